import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { COMPONENT_NAMES } from "../../components/index.ts";
import { applyObjects } from "../kube-api/apply.ts";
import type { KubeObject } from "../kube-api/kube-object.ts";
import { findControlPlane, startKubeControlPlane, type StartedKubeControlPlane } from "../kube-control-plane/index.ts";
import { answerShape, record, type RecordedAnswer } from "../kube-control-plane/record-api-answers.ts";
import { KUBE_API_FIXTURES } from "../kube-api/kube-api-fixtures.ts";
import { ClusterRuntime } from "./cluster-runtime.ts";

/**
 * The cluster runtime against a real Kubernetes control plane (kube-apiserver 1.36.1 with RBAC,
 * controller-manager, scheduler, etcd, kwok playing the node): the runner ServiceAccount of
 * deploy/rbac applies the rendered stack, every rollout completes, teardown and `obsconf cleanup`
 * leave nothing; the API's own answers are compared with the fixtures the API double replays.
 */
const REPO = path.resolve(import.meta.dirname, "../../..");
const MANIFESTS = path.join(REPO, "stack/manifests");
const RBAC_FILE = path.join(REPO, "deploy/rbac/obsconf-runner.yaml");
const found = findControlPlane();
if (!found.available) console.warn(`skipping the kube-apiserver tests: ${found.reason}`);

async function waitFor<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what} not done after ${timeoutMs}ms (last: ${JSON.stringify(last)})`);
}

const namespaceGone = (admin: KubeConfig, name: string) =>
  waitFor(
    `deletion of namespace ${name}`,
    () =>
      KubernetesObjectApi.makeApiClient(admin)
        .read({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
        .then(
          () => false,
          () => true,
        ),
    (gone) => gone,
    120_000,
  );

describe.skipIf(!found.available)("ClusterRuntime against a real kube-apiserver", () => {
  let plane: StartedKubeControlPlane;
  let admin: KubeConfig;
  let runner: KubeConfig;
  let runsDir: string;

  beforeAll(async () => {
    if (!found.available) return;
    plane = await startKubeControlPlane({ binaries: found.binaries, persistentVolumes: { count: 20, capacity: "100Gi" }, podSecurityEnforce: "baseline" });
    admin = plane.adminKubeConfig();
    const rbac = parseAllDocuments(await readFile(RBAC_FILE, "utf8"))
      .map((d) => d.toJS() as KubeObject)
      .filter(Boolean);
    await applyObjects(admin, rbac, { fieldManager: "obsconf-test-admin" });
    runner = await plane.serviceAccountKubeConfig("obsconf-system", "obsconf-runner");
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-kube-runs-"));
  }, 180_000);

  afterAll(async () => {
    await plane?.stop();
    if (runsDir) await rm(runsDir, { recursive: true, force: true });
  });

  it("should apply the rendered stack as the runner ServiceAccount, see every rollout complete, and delete everything of the run on stop", {
    timeout: 600_000,
  }, async () => {
    const stack = await ClusterRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir,
      runId: "it1",
      kubeConfig: runner,
      readyTimeoutMs: 300_000,
      rolloutIntervalMs: 1_000,
    });
    try {
      expect(stack.components().map((c) => [c.plan.component, c.status.state === "error" ? c.status.error.split("\n")[0] : c.status.state])).toEqual(
        COMPONENT_NAMES.map((name) => [name, "ready"]),
      );
      const pods = await KubernetesObjectApi.makeApiClient(admin).list("v1", "Pod", "obsconf-it1");
      expect(pods.items.length).toBeGreaterThanOrEqual(COMPONENT_NAMES.length);
    } finally {
      await stack.stop();
    }
    await namespaceGone(admin, "obsconf-it1");
    const roles = await KubernetesObjectApi.makeApiClient(admin).list(
      "rbac.authorization.k8s.io/v1",
      "ClusterRole",
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      "obsconf.dev/run-id=it1",
    );
    expect(roles.items).toEqual([]);
  });

  it("should let obsconf cleanup remove what a killed obsconf up left on the cluster", { timeout: 600_000 }, async () => {
    const kubeconfig = await plane.writeKubeConfig(runner, path.join(plane.dir, "runner.kubeconfig"));
    const env = { ...process.env, KUBECONFIG: kubeconfig };
    const up = spawn(process.execPath, [path.join(REPO, "bin/obsconf.mjs"), "up", "--runtime", "cluster", "--runs-dir", runsDir], {
      cwd: REPO,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    up.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    up.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => up.once("exit", () => resolve()));
    try {
      await waitFor(
        "obsconf up on the cluster",
        async () => output,
        (text) => text.includes("Press Ctrl-C") || up.exitCode !== null,
        300_000,
      );
      expect(output).toContain("components running");
    } finally {
      process.kill(-up.pid!, "SIGKILL");
      await exited;
    }
    const api = KubernetesObjectApi.makeApiClient(admin);
    const left = (await api.list("v1", "Namespace", undefined, undefined, undefined, undefined, undefined, "app.kubernetes.io/managed-by=obsconf")).items.map(
      (n) => n.metadata!.name!,
    );
    expect(left).toHaveLength(1);
    const cleanup = spawnSync(process.execPath, [path.join(REPO, "bin/obsconf.mjs"), "cleanup", "--runtime", "cluster"], {
      cwd: REPO,
      env,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect({ status: cleanup.status, stderr: cleanup.stderr }).toEqual({ status: 0, stderr: "" });
    expect(cleanup.stdout).toMatch(new RegExp(`cluster\\s+\\S+\\s+namespace ${left[0]}\\s+removed`));
    await namespaceGone(admin, left[0]!);
    const again = spawnSync(process.execPath, [path.join(REPO, "bin/obsconf.mjs"), "cleanup", "--runtime", "cluster"], {
      cwd: REPO,
      env,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(again.stdout).toContain("nothing to clean up");
  });

  it("should answer as the fixtures the API double replays say (discovery, Status bodies of 403/404/409/422, a Terminating namespace)", {
    timeout: 120_000,
  }, async () => {
    const answers = await recordAnswers(plane, admin, runner);
    const fixture = path.join(import.meta.dirname, "../kube-api/fixtures/kube-apiserver-1.36.1.json");
    if (process.env.OBSCONF_RECORD_KUBE_FIXTURES === "1" || !existsSync(fixture)) await writeFile(fixture, `${JSON.stringify(answers, null, 2)}\n`);
    expect(answers.map((a) => `${a.name}: ${answerShape(a)}`)).toEqual(KUBE_API_FIXTURES.answers.map((a) => `${a.name}: ${answerShape(a)}`));
  });
});

/** The exchanges the double replays, made against the real API (admin, the runner, and a ServiceAccount with no rights). */
async function recordAnswers(plane: StartedKubeControlPlane, admin: KubeConfig, runner: KubeConfig): Promise<RecordedAnswer[]> {
  await applyObjects(admin, [{ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "nobody", namespace: "obsconf-system" } }], {
    fieldManager: "obsconf-test-admin",
  });
  const nobody = await plane.serviceAccountKubeConfig("obsconf-system", "nobody");
  const answers: RecordedAnswer[] = [];
  for (const p of ["/api", "/apis", "/api/v1", "/apis/apps/v1", "/apis/rbac.authorization.k8s.io/v1", "/apis/apiextensions.k8s.io/v1"]) {
    answers.push(await record(runner, `discovery ${p}`, { method: "GET", path: p }));
  }
  answers.push(await record(nobody, "403 forbidden: list namespaces", { method: "GET", path: "/api/v1/namespaces" }));
  answers.push(await record(runner, "404 not found: namespace", { method: "GET", path: "/api/v1/namespaces/obsconf-none" }));
  answers.push(
    await record(runner, "404 not found: CRD testruns.k6.io", {
      method: "GET",
      path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/testruns.k6.io",
    }),
  );
  const ns = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "obsconf-rec", labels: { "app.kubernetes.io/managed-by": "obsconf", "obsconf.dev/run-id": "rec" } },
  };
  answers.push(await record(runner, "201 created: namespace", { method: "POST", path: "/api/v1/namespaces", body: ns }));
  answers.push(await record(runner, "409 conflict: namespace already exists", { method: "POST", path: "/api/v1/namespaces", body: ns }));
  answers.push(
    await record(runner, "422 invalid: server-side apply of a StatefulSet without a template", {
      method: "PATCH",
      path: "/apis/apps/v1/namespaces/obsconf-rec/statefulsets/broken?fieldManager=obsconf&force=true",
      contentType: "application/apply-patch+yaml",
      body: {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "broken", namespace: "obsconf-rec" },
        spec: { selector: { matchLabels: { a: "b" } }, serviceName: "broken" },
      },
    }),
  );
  // A finalizer holds the namespace in Terminating while the answers about it are recorded.
  answers.push(
    await record(runner, "201 created: held configmap", {
      method: "POST",
      path: "/api/v1/namespaces/obsconf-rec/configmaps",
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", finalizers: ["obsconf.dev/test-hold"] } },
    }),
  );
  answers.push(await record(runner, "200 delete namespace: Terminating", { method: "DELETE", path: "/api/v1/namespaces/obsconf-rec" }));
  answers.push(await record(runner, "200 get namespace while Terminating", { method: "GET", path: "/api/v1/namespaces/obsconf-rec" }));
  answers.push(await record(runner, "200 delete namespace again while Terminating", { method: "DELETE", path: "/api/v1/namespaces/obsconf-rec" }));
  answers.push(
    await record(runner, "403 forbidden: create in a Terminating namespace", {
      method: "POST",
      path: "/api/v1/namespaces/obsconf-rec/configmaps",
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late" } },
    }),
  );
  answers.push(await record(runner, "404 not found: delete a missing object", { method: "DELETE", path: "/api/v1/namespaces/obsconf-rec/configmaps/missing" }));
  await record(admin, "release the hold", {
    method: "PATCH",
    path: "/api/v1/namespaces/obsconf-rec/configmaps/held",
    contentType: "application/merge-patch+json",
    body: { metadata: { finalizers: null } },
  });
  await namespaceGone(admin, "obsconf-rec");
  return answers;
}
