import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../../components/index.ts";
import { startKubeApiDouble } from "../kube-api/kube-api-double.ts";
import { labelledObject } from "../kube-api/test-objects.ts";
import { HARNESS_PORTS } from "../kube/node-ports.ts";
import { ClusterRuntime } from "./cluster-runtime.ts";
import { guardRunObjects } from "./run-namespace-guard.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const RBAC = "rbac.authorization.k8s.io/v1";

describe("ClusterRuntime", () => {
  let runsDir: string;
  beforeEach(async () => {
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-cluster-test-"));
  });
  afterEach(async () => {
    await rm(runsDir, { recursive: true, force: true });
  });

  it("should create its namespace, apply every object into it with server-side apply, and delete only them on stop", async () => {
    await using api = await startKubeApiDouble();
    api.seed(
      labelledObject("v1", "Namespace", "team-a", undefined, {}),
      labelledObject("v1", "ConfigMap", "notes", "team-a", {}),
      labelledObject(RBAC, "ClusterRole", "cluster-admin", undefined, {}),
    );
    const stack = await ClusterRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir,
      runId: "r1",
      kubeConfig: api.kubeConfig(),
      readyTimeoutMs: 5_000,
      rolloutIntervalMs: 10,
    });
    try {
      const patches = api.requests.filter((r) => r.method === "PATCH");
      expect(patches[0]!.path).toBe("/api/v1/namespaces/obsconf-r1");
      for (const patch of patches) {
        expect(patch.path).toMatch(/^\/api(s\/[a-z0-9.]+)?\/v1\/(namespaces\/obsconf-r1(\/|$)|clusterroles\/[a-z-]+-r1$|clusterrolebindings\/[a-z-]+-r1$)/);
        expect(patch.query).toEqual({ fieldManager: "obsconf", force: "true" });
        expect(patch.contentType).toBe("application/apply-patch+yaml");
        expect((patch.body as { metadata: { labels: Record<string, string> } }).metadata.labels).toMatchObject({
          "app.kubernetes.io/managed-by": "obsconf",
          "obsconf.dev/run-id": "r1",
        });
      }
      const kinds = patches.map((p) => (p.body as { kind: string }).kind);
      expect(kinds.indexOf("ConfigMap")).toBeLessThan(kinds.indexOf("StatefulSet"));
      expect(kinds.lastIndexOf("ClusterRoleBinding")).toBeLessThan(kinds.indexOf("Service"));
      expect(api.get({ kind: "Namespace", name: "obsconf-r1" })?.metadata.annotations).toEqual({ "obsconf.dev/runner": expect.stringMatching(/^.+\/\d+$/) });
      expect(stack.components().map((c) => [c.plan.component, c.status.state])).toEqual(COMPONENT_NAMES.map((name) => [name, "ready"]));
      const endpoints = stack.endpoints();
      expect(Object.keys(endpoints.tempo ?? {}).sort()).toEqual([...HARNESS_PORTS.tempo!].sort());
      expect(endpoints.prometheus?.web?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stack.rewrites()).toContain(
        `cluster: Service obsconf-r1/prometheus port web -> port-forward ${endpoints.prometheus!.web!.url.replace("http://", "")}`,
      );
      api.clearRequests();
    } finally {
      await stack.stop();
    }
    const deletes = api.requests.filter((r) => r.method === "DELETE").map((r) => r.path);
    expect(deletes.at(-1)).toBe("/api/v1/namespaces/obsconf-r1");
    for (const p of deletes) expect(p).toMatch(/\/namespaces\/obsconf-r1(\/|$)|-r1$/);
    expect(api.objects().filter((o) => !o.includes("obsconf-r1"))).toEqual(["ClusterRole cluster-admin", "ConfigMap team-a/notes", "Namespace team-a"]);
  });

  it("should create the pull canary's Service of ecomm-prod in the run namespace, where Prometheus's discovery for ecomm-prod now looks", async () => {
    await using api = await startKubeApiDouble();
    const stack = await ClusterRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir,
      runId: "r6",
      kubeConfig: api.kubeConfig(),
      readyTimeoutMs: 5_000,
      rolloutIntervalMs: 10,
      harnessAddress: "192.0.2.10",
      extraServices: [
        {
          name: "obsconf-pull-canary",
          namespace: "ecomm-prod",
          annotations: { "prometheus.io/scrape": "true" },
          ports: [{ name: "http", host: "127.0.0.1", port: 40999 }],
        },
      ],
    });
    try {
      expect(api.get({ kind: "Endpoints", namespace: "obsconf-r6", name: "obsconf-pull-canary" })?.subsets).toEqual([
        { addresses: [{ ip: "192.0.2.10" }], ports: [{ name: "http", port: 40999, protocol: "TCP" }] },
      ]);
      const config =
        (api.get({ kind: "ConfigMap", namespace: "obsconf-r6", name: "prometheus-config" })?.data as Record<string, string> | undefined)?.["prometheus.yml"] ??
        "";
      expect(config).toContain("names: [obsconf-r6]");
      expect(config).not.toContain("ecomm-prod]");
      expect(stack.rewrites()).toContain(
        "cluster: ConfigMap prometheus-config prometheus.yml: service discovery of namespace ecomm-prod -> obsconf-r6 (where the harness's Services of ecomm-prod are created)",
      );
      expect(stack.harnessAddress()).toBe("192.0.2.10");
    } finally {
      await stack.stop();
    }
  });

  it("should refuse a run namespace that already exists, applying and deleting nothing", async () => {
    await using api = await startKubeApiDouble();
    api.seed(labelledObject("v1", "Namespace", "obsconf-r2", undefined, { team: "a" }));
    await expect(ClusterRuntime.start({ manifestsDir: MANIFESTS, runsDir, runId: "r2", kubeConfig: api.kubeConfig() })).rejects.toThrow(
      "namespace obsconf-r2 already exists (labels app.kubernetes.io/managed-by=none, obsconf.dev/run-id=none): obsconf uses only a namespace it creates for the run; pick another --run-id or remove it (obsconf cleanup removes leftover obsconf runs)",
    );
    expect(api.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(existsSync(path.join(runsDir, "r2"))).toBe(false);
  });

  it("should leave a workload that never becomes ready in error with a diagnostics file, and still tear down on stop", async () => {
    await using api = await startKubeApiDouble();
    api.scriptRollout(
      { kind: "StatefulSet", namespace: "obsconf-r3", name: "prometheus" },
      {
        stuck: {
          pod: "prometheus-0",
          container: "prometheus",
          reason: "CrashLoopBackOff",
          message: "back-off 40s",
          events: [{ reason: "BackOff", message: "Back-off restarting failed container" }],
          logLines: ['level=ERROR msg="Error loading config"'],
        },
      },
    );
    const stack = await ClusterRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir,
      runId: "r3",
      kubeConfig: api.kubeConfig(),
      readyTimeoutMs: 300,
      rolloutIntervalMs: 20,
    });
    const file = path.join(runsDir, "r3", "diagnostics", "statefulset-prometheus.txt");
    try {
      const prometheus = stack.components().find((c) => c.plan.component === "prometheus")!;
      expect(prometheus.status).toEqual({
        state: "error",
        error: expect.stringMatching(
          /^StatefulSet prometheus not ready after 300ms \(0\/1 ready\); diagnostics: .*statefulset-prometheus\.txt\nStatefulSet obsconf-r3\/prometheus not ready after 300ms \(last: 0\/1 ready; pod prometheus-0: container prometheus waiting: CrashLoopBackOff "back-off 40s"; events: BackOff "Back-off restarting failed container"; last log lines: level=ERROR msg="Error loading config"\)$/,
        ),
      });
      expect(stack.diagnostics()).toEqual([file]);
      expect(existsSync(file)).toBe(true);
      expect(stack.endpoints().prometheus).toBeUndefined();
      expect(stack.endpoints().alertmanager?.web).toBeDefined();
    } finally {
      await stack.stop();
    }
    expect(existsSync(path.join(runsDir, "r3", "logs", "obsconf-r3", "prometheus-0", "prometheus.log"))).toBe(true);
    expect(api.objects().filter((o) => o.includes("r3"))).toEqual([]);
  });

  it("should tear the namespace down when an apply is rejected, and rethrow", async () => {
    await using api = await startKubeApiDouble();
    api.rejectApply(
      { kind: "StatefulSet", namespace: "obsconf-r4", name: "loki" },
      { code: 422, reason: "Invalid", message: 'StatefulSet.apps "loki" is invalid: spec.template: Invalid value' },
    );
    await expect(ClusterRuntime.start({ manifestsDir: MANIFESTS, runsDir, runId: "r4", kubeConfig: api.kubeConfig() })).rejects.toThrow(
      /^server-side apply of StatefulSet obsconf-r4\/loki failed \(object \d+ of \d+, \d+ applied before it\): HTTP 422 Invalid "StatefulSet.apps \\"loki\\" is invalid: spec.template: Invalid value"$/,
    );
    expect(api.objects().filter((o) => o.includes("r4"))).toEqual([]);
  });
});

describe("StartedClusterStack.applyRunObjects", () => {
  it("should apply k6-operator objects into the run namespace, labelled, refuse another namespace, and delete TestRuns first", async () => {
    const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-cluster-test-"));
    await using api = await startKubeApiDouble();
    try {
      const stack = await ClusterRuntime.start({
        manifestsDir: MANIFESTS,
        runsDir,
        runId: "r5",
        kubeConfig: api.kubeConfig(),
        readyTimeoutMs: 5_000,
        rolloutIntervalMs: 10,
      });
      try {
        const testRun = {
          apiVersion: "k6.io/v1alpha1",
          kind: "TestRun",
          metadata: { name: "obsconf-k6-metrics", namespace: "obsconf-r5" },
          spec: { parallelism: 2 },
        };
        await expect(stack.applyRunObjects([{ ...testRun, metadata: { name: "x", namespace: "default" } }])).rejects.toThrow(
          "refusing to apply TestRun default/x: it is outside the run namespace obsconf-r5 (a system namespace)",
        );
        api.clearRequests();
        await stack.applyRunObjects([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "obsconf-k6-scripts" }, data: { "a.js": "" } }, testRun]);
        expect(api.requests.filter((r) => r.method === "PATCH").map((r) => r.path)).toEqual([
          "/api/v1/namespaces/obsconf-r5/configmaps/obsconf-k6-scripts",
          "/apis/k6.io/v1alpha1/namespaces/obsconf-r5/testruns/obsconf-k6-metrics",
        ]);
        expect(api.get({ kind: "TestRun", namespace: "obsconf-r5", name: "obsconf-k6-metrics" })?.metadata.labels).toEqual({
          "app.kubernetes.io/managed-by": "obsconf",
          "obsconf.dev/run-id": "r5",
        });
        api.clearRequests();
      } finally {
        await stack.stop();
      }
      expect(api.requests.filter((r) => r.method === "DELETE")[0]?.path).toBe("/apis/k6.io/v1alpha1/namespaces/obsconf-r5/testruns/obsconf-k6-metrics");
      expect(api.objects().filter((o) => o.includes("r5"))).toEqual([]);
    } finally {
      await rm(runsDir, { recursive: true, force: true });
    }
  });
});

describe("guardRunObjects", () => {
  it("should refuse kube-system, default and any namespace but the run's", () => {
    const cm = (namespace: string) => labelledObject("v1", "ConfigMap", "x", namespace, {});
    expect(() => guardRunObjects([cm("kube-system")], "obsconf-r1", "r1")).toThrow(
      "refusing to apply ConfigMap kube-system/x: it is outside the run namespace obsconf-r1 (a system namespace)",
    );
    expect(() => guardRunObjects([cm("team-a")], "obsconf-r1", "r1")).toThrow(
      "refusing to apply ConfigMap team-a/x: it is outside the run namespace obsconf-r1",
    );
    expect(() => guardRunObjects([labelledObject("v1", "Namespace", "default", undefined, {})], "obsconf-r1", "r1")).toThrow(
      "refusing to apply Namespace default: a cluster run creates only its own namespace obsconf-r1",
    );
    expect(() => guardRunObjects([labelledObject(RBAC, "ClusterRole", "admin", undefined, {})], "obsconf-r1", "r1")).toThrow(
      "refusing to apply ClusterRole admin: cluster-scoped objects of a run carry its id (…-r1)",
    );
    expect(() => guardRunObjects([], "default", "r1")).toThrow(
      'cluster run: field namespace: expected a namespace obsconf creates for the run (obsconf-<run-id>), saw "default", a system namespace obsconf never uses',
    );
    expect(() => guardRunObjects([cm("obsconf-r1")], "obsconf-r1", "r1")).not.toThrow();
  });
});
