import { describe, expect, it } from "vitest";
import { InputError } from "../../../common/errors.ts";
import { applyObjects } from "./apply.ts";
import { startKubeApiDouble, type StartedKubeApiDouble } from "./kube-api-double.ts";
import { findLeftoverRuns, teardownRun } from "./teardown.ts";
import { labelledObject, runLabels, workloadObject } from "./test-objects.ts";

const RBAC = "rbac.authorization.k8s.io/v1";
const run = (runId: string) => [
  labelledObject("v1", "Namespace", `obsconf-${runId}`, undefined, runLabels(runId)),
  labelledObject("v1", "ServiceAccount", "prometheus", `obsconf-${runId}`, runLabels(runId)),
  labelledObject(RBAC, "ClusterRole", `obsconf-${runId}-prometheus`, undefined, runLabels(runId)),
  labelledObject(RBAC, "ClusterRoleBinding", `obsconf-${runId}-prometheus`, undefined, runLabels(runId)),
  labelledObject("v1", "ConfigMap", "prometheus-config", `obsconf-${runId}`, runLabels(runId)),
  labelledObject("v1", "Service", "prometheus", `obsconf-${runId}`, runLabels(runId)),
  workloadObject("StatefulSet", "prometheus", `obsconf-${runId}`, runId),
  workloadObject("Deployment", "grafana", `obsconf-${runId}`, runId),
];

/** Runs r1 and r2 applied, plus objects no run created (or another run created) beside r1's. */
async function started(): Promise<StartedKubeApiDouble> {
  const api = await startKubeApiDouble();
  await applyObjects(api.kubeConfig(), [...run("r1"), ...run("r2")], { fieldManager: "obsconf" });
  api.seed(
    labelledObject("v1", "ConfigMap", "user-notes", "obsconf-r1", {}),
    labelledObject("v1", "ConfigMap", "from-r2", "obsconf-r1", runLabels("r2")),
    labelledObject("v1", "ConfigMap", "run-id-only", "obsconf-r1", { "obsconf.dev/run-id": "r1" }),
    labelledObject(RBAC, "ClusterRole", "cluster-admin", undefined, { "kubernetes.io/bootstrapping": "rbac-defaults" }),
    labelledObject("v1", "Namespace", "team-a", undefined, { "kubernetes.io/metadata.name": "team-a" }),
    labelledObject("v1", "Namespace", "kube-system", undefined, { "kubernetes.io/metadata.name": "kube-system" }),
  );
  api.clearRequests();
  return api;
}

const expected = "a namespace obsconf created for run r1 (labelled app.kubernetes.io/managed-by=obsconf,obsconf.dev/run-id=r1)";

describe("teardownRun", () => {
  it("should delete only what the run created: its labelled objects, its cluster roles, then its namespace", async () => {
    await using api = await started();

    const result = await teardownRun(api.kubeConfig(), { runId: "r1", namespace: "obsconf-r1" });

    const bg = { propagationPolicy: "Background" };
    expect(api.requests.filter((r) => r.method === "DELETE")).toEqual(
      [
        "/apis/apps/v1/namespaces/obsconf-r1/deployments/grafana",
        "/apis/apps/v1/namespaces/obsconf-r1/statefulsets/prometheus",
        "/api/v1/namespaces/obsconf-r1/services/prometheus",
        "/api/v1/namespaces/obsconf-r1/configmaps/prometheus-config",
        "/api/v1/namespaces/obsconf-r1/serviceaccounts/prometheus",
        `/apis/${RBAC}/clusterrolebindings/obsconf-r1-prometheus`,
        `/apis/${RBAC}/clusterroles/obsconf-r1-prometheus`,
        "/api/v1/namespaces/obsconf-r1",
      ].map((path) => ({ method: "DELETE", path, query: bg, contentType: undefined, body: undefined })),
    );
    expect(result.deleted).toEqual([
      "Deployment obsconf-r1/grafana",
      "StatefulSet obsconf-r1/prometheus",
      "Service obsconf-r1/prometheus",
      "ConfigMap obsconf-r1/prometheus-config",
      "ServiceAccount obsconf-r1/prometheus",
      "ClusterRoleBinding obsconf-r1-prometheus",
      "ClusterRole obsconf-r1-prometheus",
      "Namespace obsconf-r1",
    ]);
    const lists = api.requests.filter((r) => r.method === "GET" && r.query.labelSelector !== undefined);
    expect(new Set(lists.map((r) => r.query.labelSelector))).toEqual(new Set(["app.kubernetes.io/managed-by=obsconf,obsconf.dev/run-id=r1"]));
    // Only r1's labelled objects were deleted one by one (above); the namespace took the rest with it, as on a cluster.
    expect(api.objects()).toEqual([
      "ClusterRole cluster-admin",
      "ClusterRole obsconf-r2-prometheus",
      "ClusterRoleBinding obsconf-r2-prometheus",
      "ConfigMap obsconf-r2/prometheus-config",
      "Deployment obsconf-r2/grafana",
      "Namespace kube-system",
      "Namespace obsconf-r2",
      "Namespace team-a",
      "Service obsconf-r2/prometheus",
      "ServiceAccount obsconf-r2/prometheus",
      "StatefulSet obsconf-r2/prometheus",
    ]);
  });

  it("should still delete the run's cluster-scoped objects when its namespace is already gone", async () => {
    await using api = await started();
    await teardownRun(api.kubeConfig(), { runId: "r1", namespace: "obsconf-r1" });
    api.seed(labelledObject(RBAC, "ClusterRole", "obsconf-r1-late", undefined, runLabels("r1")));
    api.clearRequests();

    expect(await teardownRun(api.kubeConfig(), { runId: "r1", namespace: "obsconf-r1" })).toEqual({ deleted: ["ClusterRole obsconf-r1-late"] });
    expect(api.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([`/apis/${RBAC}/clusterroles/obsconf-r1-late`]);
  });

  it("should refuse kube-system and default by name without asking the API anything", async () => {
    await using api = await started();
    for (const namespace of ["kube-system", "default"]) {
      const error = await teardownRun(api.kubeConfig(), { runId: "r1", namespace }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(`teardown: field namespace: expected ${expected}, saw "${namespace}", a system namespace obsconf never tears down`);
    }
    expect(api.requests).toEqual([]);
  });

  it("should refuse a namespace not labelled for the run before deleting anything", async () => {
    await using api = await started();
    await expect(teardownRun(api.kubeConfig(), { runId: "r1", namespace: "team-a" })).rejects.toHaveProperty(
      "message",
      `teardown: field namespace: expected ${expected}, saw "team-a" labelled {"kubernetes.io/metadata.name":"team-a"}`,
    );
    await expect(teardownRun(api.kubeConfig(), { runId: "r1", namespace: "obsconf-r2" })).rejects.toHaveProperty(
      "message",
      `teardown: field namespace: expected ${expected}, saw "obsconf-r2" labelled ` +
        '{"kubernetes.io/metadata.name":"obsconf-r2","app.kubernetes.io/managed-by":"obsconf","obsconf.dev/run-id":"r2"}',
    );
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/v1",
      "GET /api/v1/namespaces/team-a",
      "GET /api/v1",
      "GET /api/v1/namespaces/obsconf-r2",
    ]);
  });

  it("should refuse a run id that is not a label value", async () => {
    await using api = await started();
    await expect(teardownRun(api.kubeConfig(), { runId: "r1,app=x", namespace: "obsconf-r1" })).rejects.toHaveProperty(
      "message",
      'teardown: field runId: expected a label value (letters, digits, "-", "_", "."; at most 63 characters), saw "r1,app=x"',
    );
    expect(api.requests).toEqual([]);
  });
});

describe("findLeftoverRuns", () => {
  it("should list the namespaces obsconf manages with their run ids", async () => {
    await using api = await started();
    expect(await findLeftoverRuns(api.kubeConfig())).toEqual([
      { namespace: "obsconf-r1", runId: "r1" },
      { namespace: "obsconf-r2", runId: "r2" },
    ]);
    expect(api.requests.at(-1)).toEqual({
      method: "GET",
      path: "/api/v1/namespaces",
      query: { labelSelector: "app.kubernetes.io/managed-by=obsconf" },
      contentType: undefined,
      body: undefined,
    });
  });
});
