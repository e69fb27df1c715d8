// load/k6 never imports assertions/ (the caller passes what it loaded); these tests, in scenarios/, prove the two fit.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
// Test-only wiring (see k6-inputs.test.ts): the real contract and suites.
import { loadContract, offeredRates, profileOf } from "../../assertions/contract.ts";
import { loadQuerySuite, SUITES_DIR, type QuerySuite } from "../../assertions/query-suite.ts";
import { HarnessError } from "../../common/errors.ts";
import type { K8sObject } from "../../stack/manifest/load-manifests.ts";
import { K6_RUNNER_IMAGE } from "../../stack/runtimes/kube/versions.ts";
import { buildK6Inputs } from "../../load/k6/k6-inputs.ts";
import { K6_SCRIPTS_DIR } from "../../load/k6/k6-script-files.ts";
import { k6TargetsFrom } from "../../load/k6/k6-targets.ts";
import { renderK6TestRuns } from "../../load/k6/k6-test-run.ts";
import type { K6Inputs } from "../../load/k6/scripts/inputs-shape.ts";

const RUN_ID = "20260101-000000-abcd";
const NAMESPACE = `obsconf-${RUN_ID}`;
/** In-cluster Service addresses: what runner pods reach. */
const svc = (name: string, port: number) => ({
  host: `${name}.${NAMESPACE}.svc.cluster.local`,
  port,
  url: `http://${name}.${NAMESPACE}.svc.cluster.local:${port}`,
});

/** TestRun.spec fields in the k6-operator CRD reference (docs/crd-generated.md, k6.io/v1alpha1). */
const TESTRUN_SPEC_FIELDS = [
  "parallelism",
  "script",
  "arguments",
  "cleanup",
  "initializer",
  "paused",
  "ports",
  "quiet",
  "runner",
  "scuttle",
  "separate",
  "starter",
  "testRunId",
  "token",
];

let inputs: K6Inputs;
let suites: QuerySuite[];
beforeAll(async () => {
  suites = await Promise.all(["promql", "logql", "traceql"].map((l) => loadQuerySuite(`${SUITES_DIR}/${l}.yaml`, `assertions/suites/${l}.yaml`)));
  const contract = loadContract();
  const profile = profileOf(contract, "small");
  const endpoints = {
    prometheus: { web: svc("prometheus", 9090) },
    loki: { http: svc("loki", 3100) },
    tempo: { http: svc("tempo", 3200) },
    "otel-collector": { "otlp-grpc": svc("otel-collector", 4317) },
  };
  inputs = buildK6Inputs({
    contract,
    profile,
    offered: offeredRates(contract, profile),
    targets: k6TargetsFrom(endpoints),
    suites,
    runStartedAtMs: Date.parse("2026-01-01T00:00:00Z"),
  });
});

/** Script sources change with every edit to a script: the snapshot names them, a separate test checks the content. */
function masked(objects: readonly K8sObject[]): string {
  return stringify(
    objects.map((o) =>
      o.kind === "ConfigMap"
        ? {
            ...o,
            data: Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, k.endsWith(".ts") ? `<load/k6/scripts/${k}>` : v])),
          }
        : o,
    ),
  );
}

describe("renderK6TestRuns", () => {
  it("should render the scripts ConfigMap and one TestRun per shape", async () => {
    const objects = await renderK6TestRuns({ inputs, namespace: NAMESPACE, runId: RUN_ID, parallelism: 4 });
    expect(masked(objects)).toMatchSnapshot();
  });

  it("should use only TestRun spec fields the k6-operator CRD defines, and the one pinned runner image", async () => {
    const [, ...testRuns] = await renderK6TestRuns({ inputs, namespace: NAMESPACE, runId: RUN_ID, parallelism: 2, separate: true });
    expect(testRuns.map((t) => t.metadata.name)).toEqual([
      "obsconf-k6-remote-write",
      "obsconf-k6-loki-push",
      "obsconf-k6-otlp-traces",
      "obsconf-k6-query-load",
    ]);
    for (const testRun of testRuns) {
      expect(testRun.apiVersion).toBe("k6.io/v1alpha1");
      const spec = testRun.spec as Record<string, unknown> & { runner: { image: string }; separate: boolean; parallelism: number };
      expect(Object.keys(spec).filter((k) => !TESTRUN_SPEC_FIELDS.includes(k))).toEqual([]);
      expect(spec.runner.image).toBe(K6_RUNNER_IMAGE);
      expect(spec.separate).toBe(true);
      expect(spec.parallelism).toBe(2);
    }
  });

  it("should ship every script file and the inputs the scripts read, byte for byte", async () => {
    const [configMap] = await renderK6TestRuns({ inputs, namespace: NAMESPACE, runId: RUN_ID, parallelism: 1 });
    const data = configMap!.data as Record<string, string>;
    const scripts = (await readdir(K6_SCRIPTS_DIR)).filter((f) => f.endsWith(".ts")).sort();
    expect(Object.keys(data).sort()).toEqual([...scripts, "k6-inputs.json"].sort());
    for (const file of scripts) expect(data[file], file).toBe(await readFile(path.join(K6_SCRIPTS_DIR, file), "utf8"));
    expect(JSON.parse(data["k6-inputs.json"]!)).toEqual(inputs);
    // Relative imports resolve inside the one flat /test directory.
    for (const file of scripts) {
      for (const [, target] of data[file]!.matchAll(/from "\.\/([^"]+)"/g)) expect(scripts, `${file} imports ./${target}`).toContain(target);
    }
  });

  it("should refuse a shape the inputs do not carry, with the reason", async () => {
    const partial: K6Inputs = {
      ...inputs,
      shapes: { "query-load": inputs.shapes["query-load"]! },
      unavailable: { "loki-push": "no loki http endpoint in the started stack" },
    };
    await expect(renderK6TestRuns({ inputs: partial, shapes: ["loki-push"], namespace: NAMESPACE, runId: RUN_ID, parallelism: 1 })).rejects.toThrow(
      new HarnessError("k6 TestRun: no loki-push shape in the k6 inputs (no loki http endpoint in the started stack)"),
    );
    await expect(renderK6TestRuns({ inputs, namespace: NAMESPACE, runId: RUN_ID, parallelism: 0 })).rejects.toThrow(
      "parallelism must be a whole number >= 1, saw 0",
    );
  });
});
