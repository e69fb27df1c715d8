import { describe, expect, it } from "vitest";
import type { LocalService } from "../../components/component-def.ts";
import { rewriteArg, rewriteEnvValue, rewriteMountPaths, rewriteServiceAddresses, rewriteText } from "./loopback-rewrite.ts";

const alertmanager: LocalService = {
  name: "alertmanager",
  namespace: "monitoring",
  labels: {},
  annotations: {},
  component: "alertmanager",
  podName: "alertmanager-0",
  podLabels: {},
  containerName: "alertmanager",
  ports: [{ name: "web", port: 9093, targetPortName: "web", containerPort: 9093, local: { host: "127.0.0.1", port: 41001 } }],
};
const context = {
  services: [alertmanager],
  mounts: [
    { containerPath: "/etc/prometheus", localPath: "/run/x/prometheus/fs/etc/prometheus" },
    { containerPath: "/prometheus", localPath: "/run/x/prometheus/data" },
  ],
  ownPorts: new Map([[9090, 42000]]),
};

describe("loopback rewrite", () => {
  it("should rewrite every DNS form of a service address with its port", () => {
    const text =
      "a: alertmanager.monitoring.svc.cluster.local:9093\nb: alertmanager.monitoring.svc:9093\nc: http://alertmanager.monitoring:9093/x\nd: alertmanager:9093";
    expect(rewriteServiceAddresses(text, [alertmanager])).toBe("a: 127.0.0.1:41001\nb: 127.0.0.1:41001\nc: http://127.0.0.1:41001/x\nd: 127.0.0.1:41001");
  });

  it("should rewrite URL paths a substitute serves elsewhere, and only those", () => {
    const mimir = { ...alertmanager, name: "mimir", ports: [{ ...alertmanager.ports[0]!, port: 9009 }], pathRewrites: { "/api/v1/push": "/api/v1/write" } };
    expect(
      rewriteServiceAddresses("url: http://mimir.monitoring.svc.cluster.local:9009/api/v1/push\nq: http://mimir:9009/prometheus/api/v1/query", [mimir]),
    ).toBe("url: http://127.0.0.1:41001/api/v1/write\nq: http://127.0.0.1:41001/prometheus/api/v1/query");
  });

  it("should leave other ports and longer host names alone", () => {
    const text = "alertmanager:9094 my-alertmanager:9093 alertmanager.other:9093";
    expect(rewriteServiceAddresses(text, [alertmanager])).toBe(text);
  });

  it("should rewrite container paths at the start of a value but not inside URLs", () => {
    const text = "rule_files: [/etc/prometheus/rules/*.yml]\nurl: http://loki:3100/prometheus/api\npath: /prometheus\n";
    expect(rewriteMountPaths(text, context.mounts)).toBe(
      "rule_files: [/run/x/prometheus/fs/etc/prometheus/rules/*.yml]\nurl: http://loki:3100/prometheus/api\npath: /run/x/prometheus/data\n",
    );
  });

  it("should not rewrite a path it just wrote again when the run dir lies under another mount (Mimir's /tmp scratch volume)", () => {
    const mounts = [
      { containerPath: "/etc/mimir", localPath: "/tmp/runs/r1/mimir/fs/etc/mimir" },
      { containerPath: "/tmp", localPath: "/tmp/runs/r1/mimir/fs/tmp" },
      { containerPath: "/data", localPath: "/tmp/runs/r1/mimir/fs/data" },
    ];
    expect(rewriteArg("-config.file=/etc/mimir/mimir.yaml", { ...context, mounts })).toBe("-config.file=/tmp/runs/r1/mimir/fs/etc/mimir/mimir.yaml");
    expect(rewriteMountPaths("dir: /tmp/x\nwal: /data/wal\nmore: /tmpfs", mounts)).toBe(
      "dir: /tmp/runs/r1/mimir/fs/tmp/x\nwal: /tmp/runs/r1/mimir/fs/data/wal\nmore: /tmpfs",
    );
  });

  it("should rewrite listen flags, port flags and path flags", () => {
    expect(rewriteArg("--web.listen-address=:9090", context)).toBe("--web.listen-address=127.0.0.1:42000");
    expect(rewriteArg("--web.listen-address=0.0.0.0:9090", context)).toBe("--web.listen-address=127.0.0.1:42000");
    expect(rewriteArg("-server.http-listen-port=9090", context)).toBe("-server.http-listen-port=42000");
    expect(rewriteArg("--storage.tsdb.path=/prometheus", context)).toBe("--storage.tsdb.path=/run/x/prometheus/data");
    expect(rewriteArg("--cluster.listen-address=", context)).toBe("--cluster.listen-address=");
    expect(rewriteArg("--storage.tsdb.retention.time=15d", context)).toBe("--storage.tsdb.retention.time=15d");
  });

  it("should rewrite YAML port settings and listen endpoints in the component's own config", () => {
    expect(rewriteText("server:\n  http_listen_port: 9090\n  grpc: 9095\nendpoint: 0.0.0.0:9090\n", context)).toBe(
      "server:\n  http_listen_port: 42000\n  grpc: 9095\nendpoint: 127.0.0.1:42000\n",
    );
  });

  it("should rewrite port-valued environment variables of the component's own ports only", () => {
    expect(rewriteEnvValue("GF_SERVER_HTTP_PORT", "9090", context)).toBe("42000");
    expect(rewriteEnvValue("GF_SERVER_HTTP_PORT", "3000", context)).toBe("3000");
    expect(rewriteEnvValue("RETRIES", "9090", context)).toBe("9090");
    expect(rewriteEnvValue("AM_URL", "http://alertmanager:9093", context)).toBe("http://127.0.0.1:41001");
  });
});
