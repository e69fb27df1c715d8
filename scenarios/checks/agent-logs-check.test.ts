import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLogCanaryLine } from "../../common/canary-format.ts";
import { systemClock } from "../../common/clock.ts";
import { Ledger } from "../../common/ledger.ts";
import { loadContract, profileOf, type Contract } from "../../assertions/contract.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import type { LokiStream } from "../../stack/clients/loki-client.ts";
import { extractComponents } from "../../stack/manifest/component-spec.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { planLocal } from "../../stack/runtimes/local/plan-local.ts";
import type { ComponentStatus } from "../../stack/started-stack.ts";
import { absenceReason } from "../../stack/clients/reach.ts";
import { runConformance } from "../conformance/run-conformance.ts";
import { agentCanaryPod } from "../shared/instruments.ts";
import { chooseLogAgent, runAgentLogCheck } from "./agent-logs-check.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");
const onPath = (name: string) => {
  try {
    return (
      execFileSync("sh", ["-c", `command -v ${name}`])
        .toString()
        .trim() !== ""
    );
  } catch {
    return false;
  }
};
const agents = ["promtail", "vector"].filter(onPath);
const endToEndMissing = [
  ...(agents.length === 0 ? ["a promtail or vector binary"] : []),
  ...(onPath("loki") ? [] : ["a loki binary (the reference sink would make it simulated)"]),
];
if (endToEndMissing.length)
  console.warn(
    `skipping the logs.ingestion.agent end-to-end run: ${endToEndMissing.join(" and ")} not on PATH; only the rewrites, the runtime with a fake promtail and a fake vector, and the check against a file-reading Loki stand-in run here`,
  );

const ready = (component: string): ComponentStatus => ({
  plan: {
    component,
    title: component,
    image: `${component}:1`,
    manifestVersion: "1",
    mode: "process",
    binary: `/usr/bin/${component}`,
    versionMismatch: false,
  },
  status: { state: "ready", readyAfterMs: 1 },
});

describe("chooseLogAgent", () => {
  let contract: Contract;
  let statuses: ComponentStatus[];
  beforeAll(async () => {
    contract = loadContract();
    const specs = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES);
    const plans = await planLocal(specs);
    statuses = plans.map((plan) => ({
      plan,
      status: plan.mode === "unavailable" ? { state: "unavailable", reason: plan.reason } : { state: "not-started", reason: "test" },
    }));
  });
  const clientsOf = (list: ComponentStatus[]) => {
    const find = (name: string) => list.find((s) => s.plan.component === name);
    return { isReady: (name: string) => find(name)?.status.state === "ready", absence: (name: string) => absenceReason(name, find(name)) };
  };
  const statusIn = (list: ComponentStatus[]) => (name: string) => list.find((s) => s.plan.component === name);
  const local = { runtime: "local" as const, nodeRootDir: "/tmp/run/node" };

  it.skipIf(agents.length > 0)("should be unavailable with each agent's plan reason when no agent runs (as on this machine)", () => {
    const choice = chooseLogAgent({ stack: local, clients: clientsOf([...statuses, ready("loki")]), contract, clock: systemClock });
    if (!("notRun" in choice)) throw new Error("expected notRun");
    const reasonOf = (name: string) => (statusIn(statuses)(name)!.plan as { reason: string }).reason;
    expect(choice.notRun).toMatchObject({
      id: "logs.ingestion.agent",
      status: "unavailable",
      reason: `no log agent runs (promtail: ${reasonOf("promtail")}; vector: ${reasonOf("vector")})`,
    });
    expect(choice.notRun.target?.value).toBe(contract.targets["latency.ingestion.logs"].value);
  });

  it("should prefer promtail, list vector as also shipping, and refuse k3s as unsupported", () => {
    const both = [ready("promtail"), ready("vector")];
    expect(chooseLogAgent({ stack: local, clients: clientsOf([...both, ready("loki")]), contract, clock: systemClock })).toEqual({
      agent: "promtail",
      others: ["vector"],
      nodeRootDir: "/tmp/run/node",
    });
    expect(chooseLogAgent({ stack: local, clients: clientsOf([ready("vector"), ready("loki")]), contract, clock: systemClock })).toEqual({
      agent: "vector",
      others: [],
      nodeRootDir: "/tmp/run/node",
    });
    const k3s = chooseLogAgent({ stack: { runtime: "k3s" }, clients: clientsOf([...both, ready("loki")]), contract, clock: systemClock });
    expect("notRun" in k3s && k3s.notRun.status).toBe("unsupported");
  });
});

describe("runAgentLogCheck (the agent and Loki stood in for by a reader of the pod log file)", () => {
  let root: string;
  beforeAll(async () => void (root = await mkdtemp(path.join(tmpdir(), "obsconf-agent-check-"))));
  afterAll(async () => void (root && (await rm(root, { recursive: true, force: true }))));

  it("should write CRI lines to the pod's log file and count what the agent lost or doubled", async () => {
    // A 1 s ingestion target (in memory, test only) so the reader gives up on the lost seq soon.
    const real = loadContract();
    const contract: Contract = { ...real, targets: { ...real.targets, "latency.ingestion.logs": { ...real.targets["latency.ingestion.logs"], value: 1_000 } } };
    const profile = { ...profileOf(contract, "ci"), canaries: { count: 6, intervalMs: 20, pullScrapes: 1, pullSeries: 1, minSamples: 1 } };
    const pod = agentCanaryPod();
    const file = path.join(root, "var", "log", "pods", `${pod.namespace}_${pod.name}_${pod.uid}`, pod.container, "0.log");
    const selectors = new Set<string>();
    // Stands in for promtail + Loki: parses the CRI file, drops seq 2, ships seq 3 twice (two streams).
    const loki = {
      queryRange: async (query: string) => {
        selectors.add(query);
        const text = await readFile(file, "utf8").catch(() => "");
        const entries = text
          .split("\n")
          .filter(Boolean)
          .map((l) => /^(\S+) stdout F (.*)$/.exec(l)!)
          .map((m) => ({ tsNs: String(BigInt(Date.parse(m[1]!)) * 1_000_000n), line: m[2]! }));
        const kept = entries.filter((e) => parseLogCanaryLine(e.line)?.seq !== 2);
        const streams: LokiStream[] = [
          { labels: { service: "obsconf-agent-canary", pod: pod.name }, entries: kept },
          { labels: { service: "obsconf-agent-canary", pod: pod.name, level: "x" }, entries: kept.filter((e) => parseLogCanaryLine(e.line)?.seq === 3) },
        ];
        return { data: { resultType: "streams" as const, streams }, durationMs: 1 };
      },
    };
    const ledger = new Ledger();
    const check = await runAgentLogCheck({
      loki,
      agent: "promtail",
      others: [],
      nodeRootDir: root,
      pod,
      ledger,
      runId: "agent-test-1",
      contract,
      profile,
      simulatedBy: [],
      clock: systemClock,
    });
    expect(selectors).toEqual(new Set([`{service="obsconf-agent-canary", pod="${pod.name}"}`]));
    expect((await readFile(file, "utf8")).split("\n").filter(Boolean)).toHaveLength(6);
    expect(ledger.entries({ signal: "logs", stream: "agent" }).map((w) => w.outcome.kind)).toEqual(Array(6).fill("acked"));
    expect(check.id).toBe("logs.ingestion.agent");
    expect(check.status).toBe("fail");
    expect(check.reason).toBe("missing: 1 acknowledged canaries never readable (seq 2); duplicate: 3 x2");
  }, 60_000);
});

describe.skipIf(endToEndMissing.length > 0)("logs.ingestion.agent end to end (real agent binary and Loki)", () => {
  it("should pass through the agent on the local runtime", async () => {
    const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-agent-e2e-"));
    try {
      const result = await runConformance({
        runtime: { runtime: "local", reason: "test" },
        profile: "ci",
        manifestsDir: MANIFESTS,
        runsDir,
        only: ["logs.ingestion.agent"],
      });
      expect(result.checks.find((c) => c.id === "logs.ingestion.agent")?.status).toBe("pass");
    } finally {
      await rm(runsDir, { recursive: true, force: true });
    }
  }, 300_000);
});
