import { describe, expect, it } from "vitest";
import type { ComponentSpec } from "../manifest/component-spec.ts";
import { checkFlagValues } from "./flag-values.ts";

const spec = (args: string[]) =>
  ({
    name: "prometheus",
    source: { file: "stack/manifests/prometheus.yaml", document: 3 },
    workload: { kind: "StatefulSet", namespace: "monitoring", name: "prometheus" },
    container: { args },
  }) as unknown as ComponentSpec;

describe("checkFlagValues", () => {
  it("should accept the manifests' kinds of values", () => {
    expect(() =>
      checkFlagValues(
        spec([
          "--storage.tsdb.retention.time=15d",
          "--rules.alert.resend-delay=5s",
          "--web.listen-address=:9090",
          "-server.http-listen-port=3100",
          "-config.expand-env=true",
          "--storage.tsdb.retention.size=0B",
          "--config.file=/x",
          "--cluster.listen-address=",
        ]),
      ),
    ).not.toThrow();
  });

  it("should refuse a duration like 30 sekunds, naming the manifest, the arg and what a duration is", () => {
    expect(() => checkFlagValues(spec(["--config.file=/x", "--storage.tsdb.retention.time=30 sekunds"]))).toThrow(
      'stack/manifests/prometheus.yaml: document 3 (StatefulSet monitoring/prometheus): field spec.template.spec.containers[0].args[1]: expected a duration like "15d", "30s" or "1h30m" for storage.tsdb.retention.time (a duration flag), saw "30 sekunds"',
    );
  });

  it("should refuse a port out of range, a listen address without a port and a boolean typo", () => {
    expect(() => checkFlagValues(spec(["-server.http-listen-port=70000"]))).toThrow(
      'a port number 0-65535 for server.http-listen-port (a port flag), saw "70000"',
    );
    expect(() => checkFlagValues(spec(["--web.listen-address=9090"]))).toThrow(
      'a listen address like ":9090" or "0.0.0.0:9090" (empty: off) for web.listen-address (a listen address flag), saw "9090"',
    );
    expect(() => checkFlagValues(spec(["-config.expand-env=ture"]))).toThrow('true or false for config.expand-env (a boolean flag), saw "ture"');
  });
});
