import { CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { answerShape } from "../kube-control-plane/record-api-answers.ts";
import { startKubeApiDouble } from "./kube-api-double.ts";
import { recordedAnswer } from "./kube-api-fixtures.ts";

describe("startKubeApiDouble", () => {
  it("should serve kube-apiserver's recorded discovery, plus the k6.io group only the double serves", async () => {
    await using api = await startKubeApiDouble();
    const get = async (path: string) => (await fetch(`${api.origin}${path}`)).json();
    expect(await get("/api")).toEqual(recordedAnswer("discovery /api").body);
    expect(await get("/api/v1")).toEqual(recordedAnswer("discovery /api/v1").body);
    const groups = ((await get("/apis")) as { groups: { name: string }[] }).groups.map((g) => g.name);
    expect(groups).toEqual([...(recordedAnswer("discovery /apis").body as { groups: { name: string }[] }).groups.map((g) => g.name), "k6.io"]);
    expect(groups).toEqual(expect.arrayContaining(["apps", "rbac.authorization.k8s.io", "apiextensions.k8s.io"]));
    expect(await get("/apis/apps/v1")).toMatchObject({
      groupVersion: "apps/v1",
      resources: expect.arrayContaining([
        expect.objectContaining({ name: "deployments", namespaced: true, kind: "Deployment" }),
        expect.objectContaining({ name: "statefulsets" }),
        expect.objectContaining({ name: "daemonsets" }),
      ]),
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

  it("should answer with the shapes kube-apiserver answered (404, a Terminating namespace: 200 on delete and again, 403 for new content)", async () => {
    await using api = await startKubeApiDouble();
    api.seed(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "obsconf-rec" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", namespace: "obsconf-rec" } },
    );
    api.holdNamespace("obsconf-rec");
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api.origin}${path}`, {
        method,
        ...(body ? { body: JSON.stringify(body), headers: { "content-type": "application/apply-patch+yaml" } } : {}),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const same = async (name: string, answer: Promise<{ status: number; body: unknown }>) =>
      expect(answerShape(await answer)).toBe(answerShape(recordedAnswer(name)));
    await same("404 not found: namespace", call("GET", "/api/v1/namespaces/obsconf-none"));
    await same("404 not found: delete a missing object", call("DELETE", "/api/v1/namespaces/obsconf-rec/configmaps/missing"));
    await same("200 delete namespace: Terminating", call("DELETE", "/api/v1/namespaces/obsconf-rec"));
    await same("200 delete namespace again while Terminating", call("DELETE", "/api/v1/namespaces/obsconf-rec"));
    await same(
      "403 forbidden: create in a Terminating namespace",
      call("PATCH", "/api/v1/namespaces/obsconf-rec/configmaps/late?fieldManager=obsconf", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "late", namespace: "obsconf-rec" },
      }),
    );
    expect(((await call("DELETE", "/api/v1/namespaces/obsconf-rec")).body as { status: { phase: string } }).status.phase).toBe("Terminating");
    api.releaseNamespace("obsconf-rec");
    expect(api.objects()).toEqual([]);
  });

  it("should reject an apply with a 422 shaped as kube-apiserver's", async () => {
    await using api = await startKubeApiDouble();
    api.rejectApply(
      { kind: "StatefulSet", namespace: "obsconf-rec", name: "broken" },
      { code: 422, reason: "Invalid", message: 'StatefulSet.apps "broken" is invalid' },
    );
    const res = await fetch(`${api.origin}/apis/apps/v1/namespaces/obsconf-rec/statefulsets/broken?fieldManager=obsconf`, {
      method: "PATCH",
      body: "{}",
      headers: { "content-type": "application/apply-patch+yaml" },
    });
    const body = (await res.json()) as { details: { kind: string; group: string } };
    expect(body.details).toMatchObject({ kind: "StatefulSet", group: "apps" });
    expect(Object.keys(body).sort()).toEqual(
      Object.keys(recordedAnswer("422 invalid: server-side apply of a StatefulSet without a template").body as object).sort(),
    );
  });
});
