import { availableParallelism } from "node:os";
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DockerEngine, K3S_IMAGE } from "../../stack/index.ts";
import { startPrivateDockerd } from "../../stack/runtimes/k3s/private-dockerd.ts";
import { startKubeApiDouble, type StartedKubeApiDouble } from "../../stack/runtimes/kube-api/kube-api-double.ts";
import { offlineEngineRoutes, startFakeEngine } from "../../stack/runtimes/k3s/fake-engine.ts";
import { applyObjects } from "../../stack/runtimes/kube-api/apply.ts";
import { labelledObject, runLabels } from "../../stack/runtimes/kube-api/test-objects.ts";
import { runCli } from "../test-support/run-cli.ts";

/** Runs the CLI with these environment variables set for it (runCli passes process.env on). */
async function runWithEnv(env: Record<string, string>, args: string[]) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await runCli(args, { timeoutMs: 45_000 });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

// The engine the dockerd test talks to: the machine's own when one answers, else a private dockerd
// started for the test (Debian's docker.io, installed by scripts/setup.sh); skipped, saying why, if neither.
const systemDockerd = await new DockerEngine(undefined, 1_000).ping().then(
  () => true,
  () => false,
);
const privateDockerd = systemDockerd ? undefined : await startPrivateDockerd();
const dockerHost = systemDockerd ? undefined : privateDockerd && "host" in privateDockerd ? privateDockerd.host : undefined;
const noDockerd = !systemDockerd && dockerHost === undefined;
if (noDockerd)
  console.warn(
    `skipping "obsconf plan --runtime k3s against a real dockerd": no engine answers at ${process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock"} and a private one could not start: ${privateDockerd && "unavailable" in privateDockerd ? privateDockerd.unavailable : "?"}`,
  );
afterAll(async () => {
  if (privateDockerd && "host" in privateDockerd) await privateDockerd[Symbol.asyncDispose]();
});

describe("obsconf plan --runtime k3s|auto", () => {
  it("should say the k3s image is missing and how to preload it when the engine answers and no registry does", async () => {
    await using fake = await startFakeEngine(offlineEngineRoutes());
    const result = await runWithEnv({ DOCKER_HOST: `unix://${fake.socketPath}` }, ["plan", "--runtime", "k3s"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^runtime: k3s \\(--runtime k3s: the container engine at unix://\\S+ answers \\(version 20\\.10\\.24\\+dfsg1\\) but the k3s image ${K3S_IMAGE.replace(/[.+]/g, "\\$&")} is not present and cannot be pulled: the registry did not serve it`,
      ),
    );
    expect(lines[2]).toMatch(/^k3s cannot start here: /);
    expect(result.stdout).toContain(`  ${K3S_IMAGE} (k3s node)`);
    expect(result.stdout).toContain(
      `docker pull --platform linux/amd64 ${K3S_IMAGE} && docker save --platform linux/amd64 -o obsconf-k3s-image.tar ${K3S_IMAGE}`,
    );
    expect(result.stdout).toContain("and load the k3s image on this machine: docker load -i obsconf-k3s-image.tar");
    expect(fake.requests.some((r) => r.startsWith("POST"))).toBe(false);
  });

  it("should fall back from auto to local, within its bound, when the engine never answers", async () => {
    await using fake = await startFakeEngine({ "GET /version": () => "hang" });
    const result = await runWithEnv({ DOCKER_HOST: `unix://${fake.socketPath}` }, ["plan", "--runtime", "auto"]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")[0]).toMatch(
      /^runtime: local \(auto: no container engine answered at unix:\/\/\S+ \(GET \/version got no answer within 3000ms\)(; also, .*)?, so the local runtime runs\)$/,
    );
  });

  it.skipIf(noDockerd)(
    "should say why k3s cannot run against a real dockerd (the preflight's CPU shortfall on a 2-core machine, else the missing image), and auto should fall back to local, neither hanging",
    { timeout: 120_000 },
    async () => {
      const env: Record<string, string> = dockerHost ? { DOCKER_HOST: dockerHost } : {};
      const started = performance.now();
      const k3s = await runWithEnv(env, ["plan", "--runtime", "k3s"]);
      expect(k3s.code).toBe(0);
      // The engine reports this machine's CPUs (and cgroup version: these machines boot cgroup v1); the stack with k3s's own share needs 3 CPUs.
      const why =
        availableParallelism() < 3
          ? `(?:the engine runs cgroup v1: .*; and )?the stack requests 2\\.4 CPU \\(largest: [^)]+\\) but the engine has ${availableParallelism()} CPUs, .*short by`
          : `the k3s image ${K3S_IMAGE.replace(/[.+]/g, "\\$&")} is not present and cannot be pulled: `;
      expect(k3s.stdout).toMatch(new RegExp(`^runtime: k3s \\(--runtime k3s: the container engine at unix://\\S+ answers \\(version [^)]+\\) but ${why}`));
      expect(k3s.stdout).toContain("docker load -i obsconf-k3s-image.tar");
      const auto = await runWithEnv(env, ["plan", "--runtime", "auto"]);
      expect(auto.code).toBe(0);
      expect(auto.stdout.split("\n")[0]).toMatch(
        /^runtime: local \(auto: the container engine at unix:\/\/\S+ answers .* (is not present and cannot be pulled|pods would stay Pending).*, so the local runtime runs\)$/,
      );
      // Each engine and registry call is bounded by 3 s; two CLI runs (with tsx start-up) stay far below this.
      expect(performance.now() - started).toBeLessThan(60_000);
    },
  );
});

describe("obsconf plan --runtime cluster and obsconf cleanup", () => {
  let api: StartedKubeApiDouble;
  let dir: string;
  let kubeconfig: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-cli-kube-"));
    kubeconfig = path.join(dir, "config");
  });
  afterEach(async () => {
    await api?.stop();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function startDouble() {
    api = await startKubeApiDouble();
    await writeFile(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: staging",
        "clusters:",
        `- name: staging-eu`,
        `  cluster: { server: "${api.origin}", insecure-skip-tls-verify: true }`,
        "users:",
        "- name: runner",
        "  user: {}",
        "contexts:",
        "- name: staging",
        "  context: { cluster: staging-eu, user: runner }",
      ].join("\n"),
    );
  }

  it("should plan a cluster run in its own namespace, reached by port-forward, and refuse an unknown context", { timeout: 120_000 }, async () => {
    await startDouble();
    const result = await runWithEnv({ KUBECONFIG: kubeconfig }, ["plan", "--runtime", "cluster"]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n").slice(0, 4)).toEqual([
      "runtime: cluster (--runtime cluster (kube context the current context of KUBECONFIG))",
      `context staging (cluster staging-eu, ${api.origin})`,
      expect.stringMatching(/^reachability: port-forward: port-forward through the API server/),
      "namespace: obsconf-<run-id>, created, labelled and deleted by each run (shown below as obsconf-run-id)",
    ]);
    const refused = await runWithEnv({ KUBECONFIG: kubeconfig }, ["plan", "--runtime", "cluster", "--context", "prod"]);
    expect(refused).toMatchObject({
      code: 2,
      stdout: "",
      stderr: `obsconf: error: command line: field --context: expected a context of ${kubeconfig} (staging), saw "prod"\n`,
    });
  });

  it("should clean up the run a killed obsconf left, found by label, and nothing else", { timeout: 120_000 }, async () => {
    await startDouble();
    const killed = labelledObject("v1", "Namespace", "obsconf-killed", undefined, runLabels("killed"));
    killed.metadata.annotations = { "obsconf.dev/runner": "elsewhere/1" };
    await applyObjects(api.kubeConfig(), [killed, labelledObject("v1", "ConfigMap", "c", "obsconf-killed", runLabels("killed"))], { fieldManager: "obsconf" });
    api.seed(labelledObject("v1", "Namespace", "default", undefined, {}), labelledObject("v1", "ConfigMap", "keep-me", "default", {}));
    const kept = await runWithEnv({ KUBECONFIG: kubeconfig }, ["cleanup", "--runtime", "cluster"]);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain("started on another host (elsewhere/1); pass --run-id killed or --force to remove it");
    const removed = await runWithEnv({ KUBECONFIG: kubeconfig }, ["cleanup", "--runtime", "cluster", "--run-id", "killed"]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/cluster +killed +namespace obsconf-killed +removed +2 objects/);
    expect(api.objects()).toEqual(["ConfigMap default/keep-me", "Namespace default"]);
  });
});
