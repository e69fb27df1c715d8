import { describe, expect, it } from "vitest";
import { applyObjects } from "./apply.ts";
import { startKubeApiDouble } from "./kube-api-double.ts";
import type { KubeObject } from "./kube-object.ts";

const labels = { "app.kubernetes.io/managed-by": "obsconf", "obsconf.dev/run-id": "r1" };
const namespace: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "obsconf-r1", labels } };
const clusterRole: KubeObject = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: { name: "obsconf-r1-prometheus", labels },
  rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
};
const configMap: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "prometheus-config", namespace: "obsconf-r1", labels },
  data: { "prometheus.yml": "global:\n  scrape_interval: 30s\n" },
};
const statefulSet: KubeObject = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "prometheus", namespace: "obsconf-r1", labels },
  spec: {
    replicas: 1,
    serviceName: "prometheus",
    selector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
    template: {
      metadata: { labels: { "app.kubernetes.io/name": "prometheus" } },
      // A field the client's typed models do not know must still reach the server.
      spec: { containers: [{ name: "prometheus", image: "prom/prometheus:v3.1.0", args: ["--web.enable-remote-write-receiver"] }], futureField: true },
    },
  },
};

describe("applyObjects", () => {
  it("should server-side apply each object in order, one PATCH per object with the object as body", async () => {
    await using api = await startKubeApiDouble();
    await applyObjects(api.kubeConfig(), [namespace, clusterRole, configMap, statefulSet], { fieldManager: "obsconf" });

    const applies = api.requests.filter((r) => r.method !== "GET");
    const ssa = { fieldManager: "obsconf", force: "true" };
    expect(applies).toEqual([
      { method: "PATCH", path: "/api/v1/namespaces/obsconf-r1", query: ssa, contentType: "application/apply-patch+yaml", body: namespace },
      {
        method: "PATCH",
        path: "/apis/rbac.authorization.k8s.io/v1/clusterroles/obsconf-r1-prometheus",
        query: ssa,
        contentType: "application/apply-patch+yaml",
        body: clusterRole,
      },
      {
        method: "PATCH",
        path: "/api/v1/namespaces/obsconf-r1/configmaps/prometheus-config",
        query: ssa,
        contentType: "application/apply-patch+yaml",
        body: configMap,
      },
      {
        method: "PATCH",
        path: "/apis/apps/v1/namespaces/obsconf-r1/statefulsets/prometheus",
        query: ssa,
        contentType: "application/apply-patch+yaml",
        body: statefulSet,
      },
    ]);
    // The rest is discovery, once per group version.
    expect(api.requests.filter((r) => r.method === "GET").map((r) => r.path)).toEqual(["/api/v1", "/apis/rbac.authorization.k8s.io/v1", "/apis/apps/v1"]);
    expect(api.objects()).toEqual([
      "ClusterRole obsconf-r1-prometheus",
      "ConfigMap obsconf-r1/prometheus-config",
      "Namespace obsconf-r1",
      "StatefulSet obsconf-r1/prometheus",
    ]);
  });

  it("should not change the objects it is given", async () => {
    await using api = await startKubeApiDouble();
    const unnamespaced: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } };
    await applyObjects(api.kubeConfig(), [unnamespaced], { fieldManager: "obsconf" });
    expect(unnamespaced).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } });
  });

  it("should name the object and the API's status message when an apply is rejected, and stop there", async () => {
    await using api = await startKubeApiDouble();
    api.rejectApply(
      { kind: "StatefulSet", namespace: "obsconf-r1", name: "prometheus" },
      { code: 422, reason: "Invalid", message: 'StatefulSet.apps "prometheus" is invalid: spec.serviceName: Required value' },
    );
    const after: KubeObject = { ...configMap, metadata: { ...configMap.metadata, name: "after" } };
    await expect(applyObjects(api.kubeConfig(), [namespace, statefulSet, after], { fieldManager: "obsconf" })).rejects.toHaveProperty(
      "message",
      "server-side apply of StatefulSet obsconf-r1/prometheus failed (object 2 of 3, 1 applied before it): " +
        'HTTP 422 Invalid "StatefulSet.apps \\"prometheus\\" is invalid: spec.serviceName: Required value"',
    );
    expect(api.requests.filter((r) => r.method === "PATCH").map((r) => r.path)).toEqual([
      "/api/v1/namespaces/obsconf-r1",
      "/apis/apps/v1/namespaces/obsconf-r1/statefulsets/prometheus",
    ]);
  });

  it("should say which kind the API does not serve", async () => {
    await using api = await startKubeApiDouble();
    const unknown: KubeObject = { apiVersion: "apps/v1", kind: "Widget", metadata: { name: "x", namespace: "obsconf-r1" } };
    await expect(applyObjects(api.kubeConfig(), [unknown], { fieldManager: "obsconf" })).rejects.toHaveProperty(
      "message",
      "server-side apply of Widget obsconf-r1/x failed (object 1 of 1, 0 applied before it): Unrecognized API version and kind: apps/v1 Widget",
    );
  });
});
