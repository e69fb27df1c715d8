import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import { silentLogger } from "../../common/log.ts";
import { loadContract, offeredRates, profileOf } from "../../assertions/contract.ts";
import type { GeneratorReport } from "../../load/generators/generator-report.ts";
import { buildK6Inputs, k6TargetsFrom, renderK6TestRuns, type K6Inputs, type ShapeName } from "../../load/k6/index.ts";
import { inClusterEndpoints } from "../../stack/runtimes/kube/in-cluster-endpoints.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { extractComponents } from "../../stack/manifest/component-spec.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { ClusterRuntime, type StartedClusterStack } from "../../stack/runtimes/cluster/index.ts";
import { startKubeApiDouble, type StartedKubeApiDouble } from "../../stack/runtimes/kube-api/kube-api-double.ts";
import { loadQuerySuites } from "../shared/query-suites.ts";
import { k6GeneratorReport, localK6Runner, operatorK6Runner, sharedK6Load } from "./k6-load.ts";
import { planLoad, type SignalLoad } from "./load-plan.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");
const WRITE_TEST_RUNS = ["obsconf-k6-remote-write", "obsconf-k6-loki-push", "obsconf-k6-otlp-traces"];

async function planAndInputs(namespace: string): Promise<{ loads: readonly SignalLoad[]; inputs: K6Inputs }> {
  const contract = loadContract();
  const plan = planLoad(contract, profileOf(contract, "ci"), 2_000);
  const suites = await loadQuerySuites({});
  const specs = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES);
  const inputs = buildK6Inputs({
    contract,
    profile: plan.profile,
    offered: offeredRates(contract, plan.profile),
    targets: k6TargetsFrom(inClusterEndpoints(specs, namespace)),
    suites: [suites.promql, suites.logql, suites.traceql],
    runStartedAtMs: 1_700_000_000_000,
    durationMs: 2_000,
  });
  return { loads: plan.signals, inputs };
}

const finish = (api: StartedKubeApiDouble, namespace: string, stages: Record<string, string>) => {
  for (const [name, stage] of Object.entries(stages)) {
    const applied = api.get({ kind: "TestRun", namespace, name })!;
    api.seed({ ...applied, apiVersion: "k6.io/v1alpha1", kind: "TestRun", status: { stage } });
  }
};

describe("operatorK6Runner against the Kubernetes API double", () => {
  let runsDir: string;
  let api: StartedKubeApiDouble;
  let stack: StartedClusterStack;
  beforeEach(async () => {
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-k6-load-"));
    api = await startKubeApiDouble();
    stack = await ClusterRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir,
      runId: "k6a",
      kubeConfig: api.kubeConfig(),
      readyTimeoutMs: 5_000,
      rolloutIntervalMs: 10,
    });
    api.clearRequests();
  });
  afterEach(async () => {
    await stack.stop();
    await api.stop();
    await rm(runsDir, { recursive: true, force: true });
  });

  it("should apply exactly the rendered ConfigMap and TestRuns, wait for stage finished, and have teardown delete them first", async () => {
    const { loads, inputs } = await planAndInputs("obsconf-k6a");
    const notes: string[] = [];
    const runner = operatorK6Runner({
      host: stack,
      inputs,
      loads,
      durationMs: 2_000,
      marginMs: 10_000,
      intervalMs: 20,
      clock: systemClock,
      logger: silentLogger,
      notes: (s, t) => notes.push(`${s}: ${t}`),
    });
    const running = runner(["remote-write", "loki-push", "otlp-traces"]);
    for (let i = 0; i < 200 && !api.get({ kind: "TestRun", namespace: "obsconf-k6a", name: WRITE_TEST_RUNS[2]! }); i++)
      await new Promise((r) => setTimeout(r, 10));
    finish(api, "obsconf-k6a", Object.fromEntries(WRITE_TEST_RUNS.map((n) => [n, "finished"])));
    const reports = await running;

    const expected = await renderK6TestRuns({
      inputs,
      shapes: ["remote-write", "loki-push", "otlp-traces"],
      namespace: "obsconf-k6a",
      runId: "k6a",
      parallelism: 1,
    });
    const patches = api.requests.filter((r) => r.method === "PATCH");
    expect(patches.map((p) => p.path)).toEqual([
      "/api/v1/namespaces/obsconf-k6a/configmaps/obsconf-k6-scripts",
      ...WRITE_TEST_RUNS.map((n) => `/apis/k6.io/v1alpha1/namespaces/obsconf-k6a/testruns/${n}`),
    ]);
    expect(patches.map((p) => p.body)).toEqual(expected);
    const testRun = expected[1] as unknown as { spec: { script: unknown } };
    expect(testRun.spec.script).toEqual({ configMap: { name: "obsconf-k6-scripts", file: "remote-write.ts" } });
    // The runner pods are aimed at the in-cluster Services, never at this machine's port-forwards.
    const applied = JSON.parse((expected[0] as unknown as { data: Record<string, string> }).data["k6-inputs.json"]!) as K6Inputs;
    expect(applied.shapes["remote-write"]?.url).toBe("http://prometheus.obsconf-k6a.svc.cluster.local:9090/api/v1/write");

    const metrics = reports.get("remote-write");
    expect(metrics).not.toBeInstanceOf(Error);
    expect(metrics).toMatchObject({ signal: "metrics", unit: "samples", workers: 1, acknowledgedUnits: Math.round(loads[0]!.offeredPerSec * 2) });
    expect(notes).toContain(
      "metrics: k6-operator TestRun obsconf-k6a/obsconf-k6-remote-write finished (parallelism 1); the runner pods' logs were not merged, so push latency is not stated and the counter increase is capped at the offered units, not at what k6 had acknowledged",
    );

    api.clearRequests();
    await stack.stop();
    const deletes = api.requests.filter((r) => r.method === "DELETE").map((r) => r.path);
    expect(deletes.slice(0, 3).sort()).toEqual(WRITE_TEST_RUNS.map((n) => `/apis/k6.io/v1alpha1/namespaces/obsconf-k6a/testruns/${n}`).sort());
    expect(api.objects().filter((o) => o.includes("obsconf-k6a"))).toEqual([]);
  }, 30_000);

  it("should end with a bounded error naming each TestRun that never finished and its last stage", async () => {
    const { loads, inputs } = await planAndInputs("obsconf-k6a");
    const runner = operatorK6Runner({
      host: stack,
      inputs,
      loads,
      durationMs: 200,
      marginMs: 300,
      intervalMs: 20,
      clock: systemClock,
      logger: silentLogger,
      notes: () => {},
    });
    const startedMs = performance.now();
    const running = runner(["remote-write", "loki-push", "otlp-traces"]);
    for (let i = 0; i < 200 && !api.get({ kind: "TestRun", namespace: "obsconf-k6a", name: WRITE_TEST_RUNS[2]! }); i++)
      await new Promise((r) => setTimeout(r, 10));
    finish(api, "obsconf-k6a", { "obsconf-k6-remote-write": "finished", "obsconf-k6-loki-push": "started" });
    const reports = await running;
    expect(performance.now() - startedMs).toBeLessThan(10_000);
    const error = reports.get("loki-push");
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^k6 TestRuns in obsconf-k6a: expected status\.stage finished or error within 500ms, saw obsconf-k6-loki-push at stage started, obsconf-k6-otlp-traces at stage \(no status yet\) after \d+ms$/,
    );
    expect(reports.get("remote-write")).toBe(error);
  }, 30_000);

  it("should turn a TestRun at stage error into that signal's error", async () => {
    const { loads, inputs } = await planAndInputs("obsconf-k6a");
    const runner = operatorK6Runner({
      host: stack,
      inputs,
      loads,
      durationMs: 200,
      marginMs: 5_000,
      intervalMs: 20,
      clock: systemClock,
      logger: silentLogger,
      notes: () => {},
    });
    const running = runner(["remote-write", "loki-push", "otlp-traces"]);
    for (let i = 0; i < 200 && !api.get({ kind: "TestRun", namespace: "obsconf-k6a", name: WRITE_TEST_RUNS[2]! }); i++)
      await new Promise((r) => setTimeout(r, 10));
    finish(api, "obsconf-k6a", { "obsconf-k6-remote-write": "finished", "obsconf-k6-loki-push": "error", "obsconf-k6-otlp-traces": "finished" });
    const reports = await running;
    expect((reports.get("loki-push") as Error).message).toBe("k6-operator: TestRun obsconf-k6a/obsconf-k6-loki-push ended at stage error");
    expect(reports.get("otlp-traces")).not.toBeInstanceOf(Error);
  }, 30_000);
});

describe("sharedK6Load", () => {
  const report = (signal: SignalLoad["signal"]) =>
    k6GeneratorReport({
      load: { signal, unit: "samples", offeredPerSec: 10, offeredFraction: 1, target: { value: 10 } as never },
      durationMs: 1000,
      startedAtMs: 0,
      wallMs: 1000,
      generators: 1,
      acknowledgedUnits: 7,
      pushes: 2,
      dropped: 1,
    });

  it("should start one run with every signal's shape once all have registered, and hand each its report", async () => {
    const calls: string[][] = [];
    const generate = sharedK6Load(["metrics", "logs"], async (shapes) => {
      calls.push([...shapes]);
      return new Map<ShapeName, GeneratorReport | Error>([
        ["remote-write", report("metrics")],
        ["loki-push", new Error("k6 loki-push: boom")],
      ]);
    });
    const metrics = generate("metrics");
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([]);
    const logs = generate("logs");
    await expect(metrics).resolves.toMatchObject({ acknowledgedUnits: 7, arrival: { scheduled: 3, sent: 2, unsent: 1 } });
    await expect(logs).rejects.toThrow("k6 loki-push: boom");
    expect(calls).toEqual([["remote-write", "loki-push"]]);
  });

  it("should start anyway after the bound when a signal never registers", async () => {
    const generate = sharedK6Load(["metrics", "traces"], async () => new Map([["remote-write", report("metrics")]]), 30);
    await expect(generate("metrics")).resolves.toMatchObject({ signal: "metrics" });
  });
});

describe("localK6Runner without a k6 binary", () => {
  it("should give every signal runK6's unavailable reason and start nothing", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "obsconf-k6-local-"));
    try {
      const { loads, inputs } = await planAndInputs("obsconf-x");
      const runner = localK6Runner({
        inputs,
        loads,
        durationMs: 1_000,
        workDir: path.join(dir, "k6"),
        k6Bin: path.join(dir, "no-such-k6"),
        clock: systemClock,
        logger: silentLogger,
        notes: () => {},
      });
      const reports = await runner(["remote-write", "loki-push", "otlp-traces"]);
      for (const shape of ["remote-write", "loki-push", "otlp-traces"] as const)
        expect((reports.get(shape) as Error).message).toBe(`k6 binary ${path.join(dir, "no-such-k6")} is not executable`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
