import type { Clock } from "../../common/clock.ts";
import { compare } from "../../assertions/canary/compare.ts";
import { notRun } from "../../assertions/checks/check-builder.ts";
import { ingestionCheck } from "../../assertions/checks/ingestion-check.ts";
import type { Contract } from "../../assertions/contract.ts";
import { readLogCanary, type LogCanaryRead } from "../../assertions/readers/log-canary-reader.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { PodLogCanaryWriter } from "../../load/canary/pod-log-canary-writer.ts";
import { createPodLogFileTransport } from "../../load/transport/file-transport.ts";
import type { LokiClient } from "../../stack/clients/loki-client.ts";
import type { ExtraPod, StartedStack } from "../../stack/started-stack.ts";
import { identityOf } from "../../assertions/checks/check-catalog.ts";
import type { StackClients } from "../../stack/clients/stack-clients.ts";
import type { CanaryRunContext } from "./canary-run-context.ts";
import { canaryWindow, doneFlag } from "./canary-window.ts";

export const LOG_AGENTS = ["promtail", "vector"] as const;
export type LogAgent = (typeof LOG_AGENTS)[number];

/**
 * Which agent the check reads through, or why it cannot run: no agent ready (`unavailable`, with each
 * agent's reason), no Loki (`unavailable`, Loki's reason), or a runtime where the harness does not
 * write the node's pod log files (`unsupported`). Promtail is preferred (it runs on every node).
 */
export function chooseLogAgent(o: {
  stack: Pick<StartedStack, "runtime" | "nodeRootDir">;
  clients: Pick<StackClients, "isReady" | "absence">;
  contract: Contract;
  clock: Clock;
}): { agent: LogAgent; others: LogAgent[]; nodeRootDir: string } | { notRun: CheckResult } {
  const identity = identityOf("logs.ingestion.agent", o.clock.nowMs());
  const target = o.contract.targets["latency.ingestion.logs"];
  const ready = LOG_AGENTS.filter((name) => o.clients.isReady(name));
  if (ready.length === 0)
    return { notRun: notRun(identity, "unavailable", `no log agent runs (${LOG_AGENTS.map((name) => o.clients.absence(name)).join("; ")})`, target) };
  if (!o.clients.isReady("loki")) return { notRun: notRun(identity, "unavailable", o.clients.absence("loki"), target) };
  if (o.stack.nodeRootDir === undefined) {
    return {
      notRun: notRun(
        identity,
        "unsupported",
        `runtime ${o.stack.runtime}: the harness writes pod log files for the agents only on the local runtime (this build does not write a node's /var/log/pods)`,
        target,
      ),
    };
  }
  return { agent: ready[0]!, others: ready.slice(1), nodeRootDir: o.stack.nodeRootDir };
}

export interface AgentLogCheckOptions extends CanaryRunContext {
  loki: Pick<LokiClient, "queryRange">;
  agent: LogAgent;
  /** Other agents that ship the same file (their streams are not counted). */
  others: readonly LogAgent[];
  nodeRootDir: string;
  pod: ExtraPod;
  simulatedBy: string[];
}

/**
 * Agent path: the canary appends one line per tick to the harness pod's container log file (CRI
 * format, under the runtime's stand-in for the node's /var/log/pods); the agent ships it to Loki;
 * query_range polled adaptively reads it back. Same comparator, accounting and target as
 * logs.ingestion. Promtail's streams carry the `pod` label its relabelling sets, so the selector
 * counts only them; Vector's carry service and namespace only.
 */
export async function runAgentLogCheck(o: AgentLogCheckOptions): Promise<CheckResult> {
  const startedAtMs = o.clock.nowMs();
  const target = o.contract.targets["latency.ingestion.logs"];
  const window = canaryWindow(o.profile.canaries, { startedAtMs, targetMs: target.value });
  const selector = agentSelector(o);
  await using transport = createPodLogFileTransport({
    rootDir: o.nodeRootDir,
    namespace: o.pod.namespace,
    pod: o.pod.name,
    uid: o.pod.uid,
    container: o.pod.container,
    clock: o.clock,
  });
  const writer = await new PodLogCanaryWriter({
    transport,
    ledger: o.ledger,
    runId: o.runId,
    ...window.writer,
    clock: o.clock,
  }).start();
  const read = await readLogCanary({
    client: o.loki,
    runId: o.runId,
    selector,
    writes: () => agentLines(o),
    readUntilMs: window.readUntilMs,
    writerDone: doneFlag(writer.done),
    clock: o.clock,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  await writer.stop();
  return agentLogCheck(o, { startedAtMs, selector, read, filePath: transport.path });
}

/** Promtail's streams carry the `pod` label its relabelling sets; Vector's carry service and namespace only. */
function agentSelector(o: Pick<AgentLogCheckOptions, "agent" | "pod">): string {
  const service = o.pod.labels?.["app.kubernetes.io/name"] ?? o.pod.container;
  return o.agent === "promtail" ? `{service="${service}", pod="${o.pod.name}"}` : `{service="${service}", namespace="${o.pod.namespace}"}`;
}

/** The canary's lines in the ledger (appended to the pod log file). */
function agentLines(o: Pick<AgentLogCheckOptions, "ledger">) {
  return o.ledger.entries({ signal: "logs", stream: "agent" });
}

/** What query_range read through the agent, compared with what the canary appended to the file. */
function agentLogCheck(
  o: AgentLogCheckOptions,
  { startedAtMs, selector, read, filePath }: { startedAtMs: number; selector: string; read: LogCanaryRead; filePath: string },
): CheckResult {
  const target = o.contract.targets["latency.ingestion.logs"];
  const endedAtMs = o.clock.nowMs();
  const comparison = compare(agentLines(o), read.observations, { lateAfterMs: target.value, readUntilMs: endedAtMs });
  return ingestionCheck({
    minSamples: o.profile.canaries.minSamples,
    identity: identityOf("logs.ingestion.agent", startedAtMs),
    endedAtMs,
    target,
    comparison,
    writes: agentLines(o),
    firstSeenById: new Map(read.observations.map((obs) => [obs.id, obs.firstSeenAtMs])),
    errorMarginMs: read.maxErrorMarginMs,
    simulatedBy: o.simulatedBy,
    queries: [
      `query_range ${selector} (lines of run ${o.runId}) polled every 5-500ms (${read.polls} polls, ${read.queryErrors} failed${read.lastQueryError ? `: ${read.lastQueryError}` : ""})`,
    ],
    notes: [
      `written to ${filePath} (CRI lines; acked = appended and fsynced: the file has no receiver's acknowledgement)`,
      `measurement error: up to ${Math.round(read.maxErrorMarginMs)}ms`,
      ...(o.others.length ? [`${o.others.join(", ")} also ship${o.others.length === 1 ? "s" : ""} this file; only ${o.agent}'s stream is counted`] : []),
    ],
  });
}
