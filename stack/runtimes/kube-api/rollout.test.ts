import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../common/clock.ts";
import { HarnessError } from "../../../common/errors.ts";
import { applyObjects } from "./apply.ts";
import { startKubeApiDouble, type StartedKubeApiDouble, type StuckPod } from "./kube-api-double.ts";
import { waitForRollouts } from "./rollout.ts";
import { labelledObject, runLabels, workloadObject } from "./test-objects.ts";

const prometheus = workloadObject("StatefulSet", "prometheus", "obsconf-r1", "r1");
const grafana = workloadObject("Deployment", "grafana", "obsconf-r1", "r1");
const nodeExporter = workloadObject("DaemonSet", "node-exporter", "obsconf-r1", "r1");
const config = labelledObject("v1", "ConfigMap", "prometheus-config", "obsconf-r1", runLabels("r1"));

const crashLoop: StuckPod = {
  pod: "prometheus-0",
  container: "prometheus",
  reason: "CrashLoopBackOff",
  message: "back-off 10s restarting failed container=prometheus pod=prometheus-0_obsconf-r1",
  events: [
    { reason: "Scheduled", message: "Successfully assigned obsconf-r1/prometheus-0 to k3s", type: "Normal" },
    { reason: "Pulled", message: 'Container image "example/prometheus:1.0" already present on machine', type: "Normal", count: 6 },
    { reason: "Started", message: "Started container prometheus", type: "Normal", count: 6 },
    { reason: "BackOff", message: "Back-off restarting failed container prometheus in pod prometheus-0", count: 5 },
  ],
  logLines: [
    'ts=2025-01-01T00:00:00Z level=INFO msg="Starting Prometheus Server"',
    'ts=2025-01-01T00:00:00Z level=INFO msg="Loading configuration file" filename=/etc/prometheus/prometheus.yml',
    ...Array.from({ length: 4 }, (_, i) => `ts=2025-01-01T00:00:0${i + 1}Z level=INFO msg="step ${i + 1}"`),
    'ts=2025-01-01T00:00:05Z level=ERROR msg="Error loading config" err="parsing YAML file: yaml: line 3: mapping values are not allowed in this context"',
  ],
};
const imagePull: StuckPod = {
  pod: "grafana-7d9c-x2x4q",
  container: "grafana",
  reason: "ImagePullBackOff",
  message: 'Back-off pulling image "example/grafana:1.0"',
  events: [{ reason: "Failed", message: 'Failed to pull image "example/grafana:1.0": not found', count: 3 }],
};

async function started(): Promise<StartedKubeApiDouble> {
  const api = await startKubeApiDouble();
  await applyObjects(api.kubeConfig(), [config, prometheus, grafana, nodeExporter], { fieldManager: "obsconf" });
  api.clearRequests();
  return api;
}

describe("waitForRollouts", () => {
  it("should poll a workload until it becomes ready on the third poll, and read ready ones no more", async () => {
    await using api = await started();
    api.scriptRollout({ kind: "StatefulSet", namespace: "obsconf-r1", name: "prometheus" }, { readyAfterPolls: 3 });
    const clock = new ManualClock();

    await waitForRollouts(api.kubeConfig(), [config, prometheus, grafana, nodeExporter], { timeoutMs: 10_000, intervalMs: 100, clock });

    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /apis/apps/v1",
      "GET /apis/apps/v1/namespaces/obsconf-r1/statefulsets/prometheus",
      "GET /apis/apps/v1/namespaces/obsconf-r1/deployments/grafana",
      "GET /apis/apps/v1/namespaces/obsconf-r1/daemonsets/node-exporter",
      "GET /apis/apps/v1/namespaces/obsconf-r1/statefulsets/prometheus",
      "GET /apis/apps/v1/namespaces/obsconf-r1/statefulsets/prometheus",
    ]);
    expect(clock.monotonicMs()).toBe(200);
  });

  it("should name the workload, its stuck pod and container, its last events and log lines, and the time allowed", async () => {
    await using api = await started();
    api.scriptRollout({ kind: "StatefulSet", namespace: "obsconf-r1", name: "prometheus" }, { stuck: crashLoop });
    api.scriptRollout({ kind: "Deployment", namespace: "obsconf-r1", name: "grafana" }, { stuck: imagePull });

    const error = await waitForRollouts(api.kubeConfig(), [prometheus, grafana, nodeExporter], { timeoutMs: 300, intervalMs: 20 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HarnessError);
    expect((error as Error).message).toBe(
      "StatefulSet obsconf-r1/prometheus not ready after 300ms (last: 0/1 ready; " +
        'pod prometheus-0: container prometheus waiting: CrashLoopBackOff "back-off 10s restarting failed container=prometheus pod=prometheus-0_obsconf-r1"; ' +
        'events: Pulled "Container image \\"example/prometheus:1.0\\" already present on machine" (x6), Started "Started container prometheus" (x6), ' +
        'BackOff "Back-off restarting failed container prometheus in pod prometheus-0" (x5); ' +
        'last log lines: ts=2025-01-01T00:00:01Z level=INFO msg="step 1" | ts=2025-01-01T00:00:02Z level=INFO msg="step 2" | ts=2025-01-01T00:00:03Z level=INFO msg="step 3" | ' +
        'ts=2025-01-01T00:00:04Z level=INFO msg="step 4" | ' +
        'ts=2025-01-01T00:00:05Z level=ERROR msg="Error loading config" err="parsing YAML file: yaml: line 3: mapping values are not allowed in this context"; ' +
        "also not ready: Deployment obsconf-r1/grafana (0/1 ready))",
    );
    const diagnosis = api.requests.filter((r) => !r.path.startsWith("/apis/"));
    expect(diagnosis).toEqual([
      {
        method: "GET",
        path: "/api/v1/namespaces/obsconf-r1/pods",
        query: { labelSelector: "app.kubernetes.io/name=prometheus,app.kubernetes.io/instance=r1" },
        contentType: undefined,
        body: undefined,
      },
      {
        method: "GET",
        path: "/api/v1/namespaces/obsconf-r1/events",
        query: { fieldSelector: "involvedObject.name=prometheus-0" },
        contentType: undefined,
        body: undefined,
      },
      {
        method: "GET",
        path: "/api/v1/namespaces/obsconf-r1/pods/prometheus-0/log",
        query: { container: "prometheus", tailLines: "5" },
        contentType: undefined,
        body: undefined,
      },
    ]);
  });

  it("should say why an image pull keeps the logs from being read", async () => {
    await using api = await started();
    api.scriptRollout({ kind: "Deployment", namespace: "obsconf-r1", name: "grafana" }, { stuck: imagePull });

    await expect(waitForRollouts(api.kubeConfig(), [grafana], { timeoutMs: 300, intervalMs: 100, clock: new ManualClock() })).rejects.toHaveProperty(
      "message",
      "Deployment obsconf-r1/grafana not ready after 300ms (last: 0/1 ready; " +
        'pod grafana-7d9c-x2x4q: container grafana waiting: ImagePullBackOff "Back-off pulling image \\"example/grafana:1.0\\""; ' +
        'events: Failed "Failed to pull image \\"example/grafana:1.0\\": not found" (x3); ' +
        'last log lines: unavailable (HTTP 400 BadRequest "container \\"grafana\\" in pod \\"grafana-7d9c-x2x4q\\" is waiting to start: trying and failing to pull image"))',
    );
  });

  it("should report a workload the API does not have", async () => {
    await using api = await startKubeApiDouble();
    await expect(waitForRollouts(api.kubeConfig(), [prometheus], { timeoutMs: 300, intervalMs: 100, clock: new ManualClock() })).rejects.toHaveProperty(
      "message",
      'StatefulSet obsconf-r1/prometheus not ready after 300ms (last: read failed: HTTP 404 NotFound "statefulsets.apps \\"prometheus\\" not found")',
    );
  });

  it("should return at once when there is no workload to wait for", async () => {
    await using api = await startKubeApiDouble();
    await waitForRollouts(api.kubeConfig(), [config], { timeoutMs: 300 });
    expect(api.requests).toEqual([]);
  });
});
