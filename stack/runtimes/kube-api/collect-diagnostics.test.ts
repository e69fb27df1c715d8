import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyObjects } from "./apply.ts";
import { collectDiagnostics } from "./collect-diagnostics.ts";
import { startKubeApiDouble } from "./kube-api-double.ts";
import { workloadObject } from "./test-objects.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("collectDiagnostics", () => {
  it("should write one describe-like file per workload of the run that is not ready", async () => {
    await using api = await startKubeApiDouble();
    const objects = [
      workloadObject("StatefulSet", "prometheus", "obsconf-r1", "r1"),
      workloadObject("Deployment", "grafana", "obsconf-r1", "r1"),
      workloadObject("Deployment", "grafana", "obsconf-r1", "r2"),
    ].map((o, i) => (i === 2 ? { ...o, metadata: { ...o.metadata, name: "grafana-other-run" } } : o));
    await applyObjects(api.kubeConfig(), objects, { fieldManager: "obsconf" });
    api.scriptRollout({ kind: "Deployment", namespace: "obsconf-r1", name: "grafana-other-run" }, { readyAfterPolls: 99 });
    api.scriptRollout(
      { kind: "StatefulSet", namespace: "obsconf-r1", name: "prometheus" },
      {
        stuck: {
          pod: "prometheus-0",
          container: "prometheus",
          reason: "CrashLoopBackOff",
          message: "back-off 20s restarting failed container",
          events: [{ reason: "BackOff", message: "Back-off restarting failed container prometheus", count: 7 }],
          logLines: ['level=ERROR msg="Error loading config"'],
        },
      },
    );
    const dir = join(await mkdtemp(join(tmpdir(), "obsconf-diag-")), "diagnostics");
    dirs.push(dir);

    const files = await collectDiagnostics(api.kubeConfig(), { namespace: "obsconf-r1", runId: "r1", dir });

    expect(files).toEqual([join(dir, "statefulset-prometheus.txt")]);
    expect(await readFile(files[0]!, "utf8")).toBe(
      [
        "StatefulSet obsconf-r1/prometheus",
        "status: 0/1 ready",
        "selector: app.kubernetes.io/name=prometheus,app.kubernetes.io/instance=r1",
        "events:",
        "  none",
        "pods: 1",
        "",
        'pod prometheus-0: container prometheus waiting: CrashLoopBackOff "back-off 20s restarting failed container"',
        "events:",
        '  BackOff "Back-off restarting failed container prometheus" (x7)',
        "logs (container prometheus):",
        '  level=ERROR msg="Error loading config"',
        "",
      ].join("\n"),
    );
    expect(api.requests.filter((r) => r.path.endsWith("/log")).map((r) => r.query)).toEqual([{ container: "prometheus", tailLines: "100" }]);
  });

  it("should write nothing when every workload of the run is ready", async () => {
    await using api = await startKubeApiDouble();
    await applyObjects(api.kubeConfig(), [workloadObject("DaemonSet", "node-exporter", "obsconf-r1", "r1")], { fieldManager: "obsconf" });
    const dir = await mkdtemp(join(tmpdir(), "obsconf-diag-"));
    dirs.push(dir);
    expect(await collectDiagnostics(api.kubeConfig(), { namespace: "obsconf-r1", runId: "r1", dir })).toEqual([]);
  });
});
