import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../stack/components/index.ts";
import { offlineEngineRoutes, startFakeEngine } from "../stack/runtimes/k3s/fake-engine.ts";
import { startKubeApiDouble, type StartedKubeApiDouble } from "../stack/runtimes/kube-api/kube-api-double.ts";
import { parseTable, runCli } from "./test-support/run-cli.ts";

/** Runs the CLI with these environment variables set (or unset, when undefined) for it. */
async function runWithEnv(env: Record<string, string | undefined>, args: string[], timeoutMs = 60_000) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await runCli(args, { timeoutMs });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

let dir: string;
let key: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "obsconf-signoff-"));
  const made = await runCli(["keygen", "--out", path.join(dir, "signoff")]);
  expect(made.code).toBe(0);
  key = path.join(dir, "signoff.key");
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("obsconf run signoff on the local runtime", () => {
  it("should refuse within seconds, before anything starts (exit 1), listing the blockers as the plan sees the components", { timeout: 120_000 }, async () => {
    // What `obsconf plan` says each component would run as, read independently of the sign-off code.
    const plan = await runCli(["plan", "--runtime", "local"]);
    expect(plan.code).toBe(0);
    const rows = parseTable(plan.stdout, ["component", "manifest image", "runs as", "binary / substitute", "from", "version", "note"]);
    const expected = [
      "the local runtime runs Debian/upstream binaries, not the manifests' images",
      ...rows.filter((r) => r["runs as"] === "simulated").map((r) => `${r.component} was simulated by ${r["binary / substitute"]!.split(" ")[0]}`),
      ...rows.filter((r) => r["runs as"] === "unavailable").map((r) => `${r.component} did not run`),
    ];
    const runs = path.join(dir, "runs-local");
    const out = path.join(dir, "out-local");
    const started = performance.now();
    const result = await runWithEnv({ OBSCONF_SIGNING_KEY: undefined }, [
      "run",
      "signoff",
      "--runtime",
      "local",
      "--key",
      key,
      "--runs-dir",
      runs,
      "--out",
      out,
    ]);
    const elapsedMs = performance.now() - started;
    console.info(`run signoff --runtime local refused in ${Math.round(elapsedMs)} ms`);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("obsconf: run signoff refused before anything started: this run cannot sign off (runtime local, profile documented):");
    expect(lines.slice(1)).toEqual(expected.map((b) => `  - ${b}`));
    // Nothing started: no run directory, no report, no signature. The bound only says "no stack was started" (a start takes minutes at documented).
    expect(existsSync(runs)).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(elapsedMs).toBeLessThan(30_000);
  });

  it("should name a profile other than documented among the blockers", { timeout: 60_000 }, async () => {
    const result = await runCli([
      "run",
      "signoff",
      "--runtime",
      "local",
      "--profile",
      "ci",
      "--key",
      key,
      "--runs-dir",
      path.join(dir, "runs-ci"),
      "--out",
      path.join(dir, "out-ci"),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.split("\n").slice(0, 3)).toEqual([
      "obsconf: run signoff refused before anything started: this run cannot sign off (runtime local, profile ci):",
      "  - profile ci is not the documented profile",
      "  - the local runtime runs Debian/upstream binaries, not the manifests' images",
    ]);
  });

  it("should refuse without a signing key (exit 2), before the runtime is even chosen", { timeout: 60_000 }, async () => {
    const result = await runWithEnv({ OBSCONF_SIGNING_KEY: undefined }, [
      "run",
      "signoff",
      "--runtime",
      "local",
      "--runs-dir",
      path.join(dir, "runs-nokey"),
      "--out",
      path.join(dir, "out-nokey"),
    ]);
    expect(result).toMatchObject({
      code: 2,
      stdout: "",
      stderr:
        "obsconf: error: command line: field --key: expected an Ed25519 private key to sign the sign-off with (--key FILE or $OBSCONF_SIGNING_KEY; make one with 'obsconf keygen --out signoff'), saw neither\n",
    });
    const bad = path.join(dir, "not-a-key.pem");
    await writeFile(bad, "hello\n");
    const refused = await runWithEnv({ OBSCONF_SIGNING_KEY: bad }, [
      "run",
      "signoff",
      "--runtime",
      "local",
      "--runs-dir",
      path.join(dir, "runs-badkey"),
      "--out",
      path.join(dir, "out-badkey"),
    ]);
    expect(refused).toMatchObject({
      code: 2,
      stderr: `obsconf: error: ${bad}: field $OBSCONF_SIGNING_KEY: expected an Ed25519 private key in PEM (PKCS#8), saw no private key PEM\n`,
    });
  });

  it("should refuse --only (a sign-off runs every check) and --dry-run on other scenarios", { timeout: 60_000 }, async () => {
    const only = await runCli(["run", "signoff", "--runtime", "local", "--only", "metrics.", "--key", key]);
    expect(only).toMatchObject({
      code: 2,
      stderr:
        "obsconf: error: command line: field --only: expected no --only with 'run signoff' (a sign-off runs every check of conformance, load and chaos), saw --only metrics.\n",
    });
    const dry = await runCli(["run", "conformance", "--runtime", "local", "--dry-run"]);
    expect(dry).toMatchObject({
      code: 2,
      stderr: "obsconf: error: command line: field --dry-run: expected --dry-run only with 'run signoff', saw with 'run conformance'\n",
    });
  });
});

describe("obsconf run signoff --runtime k3s where k3s cannot start", () => {
  it("should refuse with the engine's reason, the components planned as pods of their images", { timeout: 60_000 }, async () => {
    await using fake = await startFakeEngine(offlineEngineRoutes());
    const result = await runWithEnv({ DOCKER_HOST: `unix://${fake.socketPath}` }, [
      "run",
      "signoff",
      "--runtime",
      "k3s",
      "--dry-run",
      "--runs-dir",
      path.join(dir, "runs-k3s"),
      "--out",
      path.join(dir, "out-k3s"),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^refused before start: yes, 1 blockers:\n {2}- k3s cannot start here: the container engine at unix:\/\/\S+ answers \(version [^)]+\) but the k3s image \S+ is not present and cannot be pulled/m,
    );
    const components = parseTable(result.stdout, ["component", "manifest image", "runs as", "binary / substitute", "from", "version", "note"]);
    expect(components.map((c) => c["runs as"])).toEqual(COMPONENT_NAMES.map(() => "pod"));
    expect(fake.requests.some((r) => r.startsWith("POST"))).toBe(false);
  });
});

describe("obsconf run signoff --runtime cluster --dry-run against the API double", () => {
  let api: StartedKubeApiDouble;
  afterEach(async () => api?.stop());

  async function kubeconfigFor(origin: string): Promise<string> {
    const file = path.join(dir, `kubeconfig-${new URL(origin).port}`);
    await writeFile(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: staging",
        "clusters:",
        "- name: staging-eu",
        `  cluster: { server: "${origin}", insecure-skip-tls-verify: true }`,
        "users:",
        "- name: runner",
        "  user: {}",
        "contexts:",
        "- name: staging",
        "  context: { cluster: staging-eu, user: runner }",
      ].join("\n"),
    );
    return file;
  }

  it("should refuse (exit 1) when the API server does not answer, saying so", { timeout: 60_000 }, async () => {
    const gone = await startKubeApiDouble();
    const kubeconfig = await kubeconfigFor(gone.origin);
    await gone.stop();
    const result = await runWithEnv({ KUBECONFIG: kubeconfig }, [
      "run",
      "signoff",
      "--runtime",
      "cluster",
      "--dry-run",
      "--runs-dir",
      path.join(dir, "runs-gone"),
      "--out",
      path.join(dir, "out-gone"),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(
        `^refused before start: yes, 1 blockers:\n {2}- the cluster's API server did not answer a read \\(context staging \\(cluster staging-eu, ${gone.origin.replace(/[.]/g, "\\.")}\\)\\): could not read CRD testruns\\.k6\\.io: .*ECONNREFUSED`,
        "m",
      ),
    );
  });

  it("should plan the whole run (scenarios, checks by contract row, every component's image, the blockers) reading the API server and writing nothing", {
    timeout: 120_000,
  }, async () => {
    api = await startKubeApiDouble();
    const kubeconfig = await kubeconfigFor(api.origin);
    const result = await runWithEnv({ KUBECONFIG: kubeconfig, OBSCONF_SIGNING_KEY: undefined }, [
      "run",
      "signoff",
      "--runtime",
      "cluster",
      "--dry-run",
      "--runs-dir",
      path.join(dir, "runs-cluster"),
      "--out",
      path.join(dir, "out-cluster"),
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const out = result.stdout;
    const lines = out.split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "sign-off plan: runtime cluster (--runtime cluster (kube context the current context of KUBECONFIG)), profile documented, contract 1.3.0",
      `  context staging (cluster staging-eu, ${api.origin})`,
      "  namespace obsconf-<run-id>, created, labelled and deleted by the run",
      "  k6-operator: no CRD testruns.k6.io on the cluster (the k6-operator is not installed) (the load part uses the builtin generator on this machine unless --generator k6)",
    ]);
    expect(out).toMatch(/^ {2}conformance: \d+ checks$/m);
    expect(out).toMatch(/^ {2}load: \d+ checks \(ids prefixed load\.\)$/m);
    expect(out).toMatch(/^ {2}chaos: \d+ checks$/m);
    expect(out).toContain("    chaos drill: 14 faults (0 supported here)");
    // Every row of the seed's tables is measured by a planned check; no row says NONE.
    const rows = parseTable(out, ["row", "seed row", "target", "checks"]);
    expect(rows.map((r) => r.row)).toContain("throughput.metricsSamplesPerSec");
    expect(rows.find((r) => r.row === "throughput.metricsSamplesPerSec")!.checks).toBe("load.throughput.metrics");
    expect(rows.find((r) => r.row === "rto")!.checks).toMatch(/^chaos\.kill:prometheus\.fault, /);
    expect(rows.filter((r) => r.checks === "NONE")).toEqual([]);
    // Every component as a pod of its manifest image.
    const components = parseTable(out, ["component", "manifest image", "runs as", "binary / substitute", "from", "version", "note"]);
    expect(components.map((c) => c.component).sort()).toEqual([...COMPONENT_NAMES].sort());
    expect(
      components.filter(
        (c) => !(c["runs as"] === "pod" && c.from === "image" && [`:${c.version}`, `:v${c.version}`].some((tag) => c["manifest image"]!.endsWith(tag))),
      ),
    ).toEqual([]);
    // No refusal: the run could start; what is known to fail the sign-off is said now.
    expect(out).toContain("refused before start: no (the run can start)");
    expect(out).toContain(
      "  - check chaos.kill:prometheus.fault is unsupported: runtime cluster: kill (pod delete) is implemented for the local runtime only (k8s pod-level faults are not built yet)",
    );
    expect(out).toContain(
      "  - cluster without --harness-address: the cluster's pods cannot reach this machine's alert sinks and pull canary target, so alert delivery and the pull path cannot pass",
    );
    // It read the API server and wrote nothing to it.
    expect(api.requests.length).toBeGreaterThan(0);
    expect(api.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(api.objects()).toEqual([]);
    expect(existsSync(path.join(dir, "runs-cluster"))).toBe(false);
  });
});
