import type { Clock } from "../../common/clock.ts";
import type { Ledger } from "../../common/ledger.ts";
import { compare } from "../../assertions/canary/compare.ts";
import { ingestionCheck } from "../../assertions/checks/ingestion-check.ts";
import type { Contract } from "../../assertions/contract.ts";
import { pullCanarySpec, pushCanarySpec, readMetricsCanary, type MetricsCanaryRead, type MetricsCanarySpec } from "../../assertions/readers/metrics-push-reader.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { MetricsCanaryWriter } from "../../load/canary/metrics-canary-writer.ts";
import type { StartedPullTarget } from "../../load/canary/pull-target.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { CanaryRunContext } from "./canary-run-context.ts";

export interface PushCanaryOptions extends CanaryRunContext {
  prometheus: PrometheusClient;
  /** The long-term store (Mimir or its substitute), read back through its own query API. */
  longTerm?: { client: PrometheusClient; simulatedBy: string[] };
  transport: Transport;
}

/**
 * Push path: the canary writer remote-writes one sample per tick into Prometheus while the reader
 * polls the query API for each acknowledged sequence number. The same ledger is read back through
 * the long-term store, which receives the samples through Prometheus' own remote_write.
 */
export async function runPushCanary(o: PushCanaryOptions): Promise<{ push: CheckResult; longTerm?: CheckResult }> {
  const startedAtMs = o.clock.nowMs();
  const target = o.contract.targets["latency.ingestion.metrics"];
  const { count, intervalMs } = o.profile.canaries;
  const writer = await new MetricsCanaryWriter({ transport: o.transport, ledger: o.ledger, runId: o.runId, count, intervalMs, deadlineMs: count * intervalMs + 10_000, clock: o.clock }).start();
  let writerDone = false;
  void writer.done.then(() => (writerDone = true));
  const readUntilMs = startedAtMs + count * intervalMs + target.value + 5_000;
  const writes = () => o.ledger.entries({ signal: "metrics", stream: "push" });
  const read = (client: PrometheusClient) => readMetricsCanary({ client, spec: pushCanarySpec(o.runId), writes, readUntilMs, writerDone: () => writerDone, clock: o.clock });
  const [pushRead, longTermRead] = await Promise.all([read(o.prometheus), o.longTerm ? read(o.longTerm.client) : undefined]);
  await writer.stop();
  const push = buildCheck({ id: "metrics.ingestion.push", title: "Metrics ingestion, push path (remote write -> queryable in Prometheus)", spec: pushCanarySpec(o.runId), read: pushRead, startedAtMs, o, simulatedBy: [] });
  if (!o.longTerm || !longTermRead) return { push };
  const longTerm = buildCheck({
    id: "metrics.ingestion.long-term",
    title: "Metrics ingestion into the long-term store (remote write -> Prometheus -> remote_write -> queryable in Mimir)",
    spec: pushCanarySpec(o.runId), read: longTermRead, startedAtMs, o, simulatedBy: o.longTerm.simulatedBy,
    notes: ["latency includes Prometheus' remote_write queue (batch_send_deadline) on the way to the long-term store"],
  });
  return { push, longTerm };
}

export interface PullCanaryOptions extends CanaryRunContext {
  prometheus: PrometheusClient;
  target: StartedPullTarget;
  scrapeIntervalMs: number;
}

/**
 * Pull path: the harness's /metrics target (discovered through the manifest's own Kubernetes SD
 * relabelling) exposes a new sequence number every 1.25 scrape intervals; latency = first readable -
 * exposure, so it includes the wait for the next scrape, as in production.
 */
export async function runPullCanary(o: PullCanaryOptions): Promise<CheckResult> {
  const startedAtMs = o.clock.nowMs();
  const target = o.contract.targets["latency.ingestion.metrics"];
  const intervalMs = Math.round(o.scrapeIntervalMs * 1.25);
  const count = o.profile.canaries.pullScrapes;
  o.target.begin({ intervalMs, deadlineMs: count * intervalMs + 1_000 });
  let bumpingDone = false;
  void o.target.bumping.then(() => (bumpingDone = true));
  const read = await readMetricsCanary({
    client: o.prometheus, spec: pullCanarySpec(o.runId), writes: () => o.ledger.entries({ signal: "metrics", stream: "pull" }),
    readUntilMs: startedAtMs + count * intervalMs + o.scrapeIntervalMs + target.value, writerDone: () => bumpingDone, maxIntervalMs: 100, clock: o.clock,
  });
  return buildCheck({
    id: "metrics.ingestion.pull", title: "Metrics ingestion, pull path (value exposed on a scraped target -> queryable)", spec: pullCanarySpec(o.runId), read, startedAtMs, o, simulatedBy: [],
    notes: [`scrape interval ${o.scrapeIntervalMs / 1000}s (running config): a value waits up to one interval for its scrape; a new value was exposed every ${intervalMs / 1000}s`],
  });
}

function buildCheck(args: { id: string; title: string; spec: MetricsCanarySpec; read: MetricsCanaryRead; startedAtMs: number; o: { ledger: Ledger; contract: Contract; clock: Clock }; simulatedBy: string[]; notes?: string[] }): CheckResult {
  const { spec, read, o } = args;
  const stream = spec.mode === "writes" ? "push" : "pull";
  const writes = o.ledger.entries({ signal: "metrics", stream });
  const target = o.contract.targets["latency.ingestion.metrics"];
  const endedAtMs = o.clock.nowMs();
  const comparison = compare(writes, read.observations, { lateAfterMs: target.value, readUntilMs: endedAtMs, mode: spec.mode });
  return ingestionCheck({
    identity: { id: args.id, title: args.title, pillar: "metrics", startedAtMs: args.startedAtMs },
    endedAtMs, target, comparison, writes,
    firstSeenById: new Map(read.observations.map((obs) => [obs.id, obs.firstSeenAtMs])),
    errorMarginMs: read.maxErrorMarginMs,
    queries: [`${spec.selector}[<window>] polled every 5-${spec.mode === "writes" ? 500 : 100}ms (${read.polls} polls, ${read.queryErrors} failed${read.lastQueryError ? `: ${read.lastQueryError}` : ""})`],
    simulatedBy: args.simulatedBy,
    notes: [`measurement error: up to ${Math.round(read.maxErrorMarginMs)}ms (half the poll interval + query time)`, ...(args.notes ?? [])],
  });
}
