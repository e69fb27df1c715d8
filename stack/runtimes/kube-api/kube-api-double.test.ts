import { CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { startKubeApiDouble } from "./kube-api-double.ts";

describe("startKubeApiDouble", () => {
  it("should serve discovery for the core, apps, rbac, networking, apiextensions and k6.io groups", async () => {
    await using api = await startKubeApiDouble();
    const get = async (path: string) => (await fetch(`${api.origin}${path}`)).json();
    expect(await get("/api")).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    expect(await get("/apis")).toMatchObject({
      kind: "APIGroupList",
      groups: [{ name: "apps" }, { name: "rbac.authorization.k8s.io" }, { name: "networking.k8s.io" }, { name: "apiextensions.k8s.io" }, { name: "k6.io" }],
    });
    expect(await get("/apis/apps/v1")).toMatchObject({
      groupVersion: "apps/v1",
      resources: [{ name: "deployments", namespaced: true, kind: "Deployment" }, { name: "statefulsets" }, { name: "daemonsets" }],
    });
  });

  it("should answer the client with stored objects filtered by label selector, and 404 Status for missing ones", async () => {
    await using api = await startKubeApiDouble();
    api.seed(
      { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "n", labels: { app: "x" } } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "b", namespace: "n", labels: { app: "y" } } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "c", namespace: "other", labels: { app: "x" } } },
    );
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: "n", labelSelector: "app=x" });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(["a"]);
    const objects = KubernetesObjectApi.makeApiClient(api.kubeConfig());
    await expect(objects.read({ apiVersion: "v1", kind: "Pod", metadata: { name: "zz", namespace: "n" } })).rejects.toMatchObject({
      code: 404,
      body: expect.stringContaining('"message":"pods \\"zz\\" not found"'),
    });
  });

  it("should refuse patches that are not server-side apply", async () => {
    await using api = await startKubeApiDouble();
    const response = await fetch(`${api.origin}/api/v1/namespaces/n/configmaps/c`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: "{}",
    });
    expect(response.status).toBe(415);
    expect(api.requests).toEqual([
      { method: "PATCH", path: "/api/v1/namespaces/n/configmaps/c", query: {}, contentType: "application/merge-patch+json", body: {} },
    ]);
  });
});
