import type { SignalKind } from "../../common/signal.ts";
import type { Contract, ContractTarget, TargetPath } from "../contract.ts";
import type { Pillar } from "../run-result.ts";
import type { CheckIdentity } from "./check-builder.ts";

/** What a check is, before it runs: the one place its id, title, pillar and contract target are written. */
export interface CheckDef {
  readonly title: string;
  readonly pillar: Pillar;
  /** The contract target it is judged against. */
  readonly target?: TargetPath;
  /** A target the check builds from another part of the contract (the required routes), named for reports. */
  readonly targetFrom?: string;
  /**
   * The components the check goes through (manifest names). A run narrowed by `--only` starts just
   * these for the checks it keeps; a check without the list needs the whole stack.
   */
  readonly through?: readonly string[];
}

/**
 * Every check obsconf runs, by id. Scenarios pick from here (conformance, load) and `--only` is
 * validated against it. Chaos checks are per fault (`chaos.<fault>.…`): see `CHAOS_CHECKS`.
 */
export const CHECKS = {
  "config.prometheus.retention": { title: "Prometheus retention", pillar: "config", target: "retention.prometheus", through: ["prometheus"] },
  "config.prometheus.scrape-interval": { title: "Prometheus scrape interval", pillar: "config", target: "scrapeInterval.prometheus", through: ["prometheus"] },
  "config.alertmanager.routes": { title: "Alertmanager routes", pillar: "config", targetFrom: "targets.alertRoutes", through: ["alertmanager", "prometheus"] },
  "config.alertmanager.receivers": {
    title: "Alertmanager receivers as written (secret files mounted, URLs, TLS), before the harness re-points them",
    pillar: "config",
    targetFrom: "0 findings in the receivers' own fields",
    through: ["alertmanager"],
  },
  "config.loki.retention": { title: "Loki retention", pillar: "config", target: "retention.loki", through: ["loki"] },
  "metrics.ingestion.push": {
    title: "Metrics ingestion, push path (remote write -> queryable in Prometheus)",
    pillar: "metrics",
    target: "latency.ingestion.metrics",
    through: ["prometheus"],
  },
  "metrics.ingestion.long-term": {
    title: "Metrics ingestion into the long-term store (remote write -> Prometheus -> remote_write -> queryable in Mimir)",
    pillar: "metrics",
    target: "latency.ingestion.metrics",
    through: ["prometheus", "mimir"],
  },
  "metrics.ingestion.pull": {
    title: "Metrics ingestion, pull path (value exposed on a scraped target -> queryable)",
    pillar: "metrics",
    target: "latency.ingestion.metrics",
    through: ["prometheus"],
  },
  "metrics.kube-state-metrics": { title: "kube-state-metrics scraped", pillar: "metrics", through: ["prometheus", "kube-state-metrics"] },
  "query.promql": {
    title: "PromQL query response at concurrent users (Prometheus)",
    pillar: "query",
    target: "latency.query.promql",
    through: ["prometheus", "node-exporter"],
  },
  "query.promql.long-term": {
    title: "PromQL on the long-term store answers like Prometheus on the same data",
    pillar: "query",
    targetFrom: "Prometheus' own answer to the same query at the same time (relative tolerance 1e-5)",
    through: ["prometheus", "mimir", "node-exporter"],
  },
  "query.logql": { title: "LogQL query response at concurrent users", pillar: "query", target: "latency.query.logql", through: ["loki"] },
  "query.traceql": { title: "TraceQL query response at concurrent users", pillar: "query", target: "latency.query.traceql", through: ["tempo"] },
  "query.grafana": {
    title: "Query response through Grafana",
    pillar: "query",
    target: "latency.query.grafana",
    through: ["grafana", "prometheus", "loki", "tempo"],
  },
  "alerts.delivery.pagerduty": {
    title: "Alert delivery: the contract's PagerDuty routes, each alert to exactly the route tree's receivers",
    pillar: "alerts",
    target: "latency.alertDelivery",
    through: ["prometheus", "alertmanager"],
  },
  "alerts.delivery.slack": {
    title: "Alert delivery: the contract's Slack routes, each alert to exactly the route tree's receivers",
    pillar: "alerts",
    target: "latency.alertDelivery",
    through: ["prometheus", "alertmanager"],
  },
  "alerts.delivery.webhook": {
    title: "Alert delivery: the contract's webhook routes, each alert to exactly the route tree's receivers",
    pillar: "alerts",
    target: "latency.alertDelivery",
    through: ["prometheus", "alertmanager"],
  },
  "alerts.delivery.email": {
    title: "Alert delivery: the contract's email summary routes (SMTP), each alert to exactly the route tree's receivers",
    pillar: "alerts",
    targetFrom: "latency.alertDelivery on top of the summary route's group_wait",
    through: ["prometheus", "alertmanager"],
  },
  "alerts.deadmans-switch": {
    title: "Dead man's switch: the Watchdog reaches exactly its receivers and keeps arriving",
    pillar: "alerts",
    target: "latency.alertDelivery",
    through: ["prometheus", "alertmanager"],
  },
  "logs.ingestion": {
    title: "Logs ingestion (Loki push -> readable through query_range)",
    pillar: "logs",
    target: "latency.ingestion.logs",
    through: ["loki"],
  },
  "logs.ingestion.tail": {
    title: "Logs ingestion (Loki push -> delivered by the tail WebSocket)",
    pillar: "logs",
    target: "latency.ingestion.logs",
    through: ["loki"],
  },
  "logs.ingestion.agent": {
    title: "Logs through the agents (pod log files -> Promtail/Vector -> Loki)",
    pillar: "logs",
    target: "latency.ingestion.logs",
    through: ["loki", "promtail", "vector"],
  },
  "traces.ingestion.by-id": {
    title: "Traces ingestion (OTLP -> whole trace readable by id)",
    pillar: "traces",
    target: "latency.ingestion.traces",
    through: ["tempo", "otel-collector"],
  },
  "traces.ingestion.search": {
    title: "Traces ingestion (OTLP -> found by tag search)",
    pillar: "traces",
    target: "latency.ingestion.traces",
    through: ["tempo", "otel-collector"],
  },
  "traces.ingestion.traceql": {
    title: "Traces ingestion (OTLP -> found by TraceQL)",
    pillar: "traces",
    target: "latency.ingestion.traces",
    through: ["tempo", "otel-collector"],
  },
  "ml.ingestion.kafka.traces": {
    title: "ML ingestion: traces -> collector -> Kafka topic (canary written -> record on the topic)",
    pillar: "traces",
    target: "latency.ingestion.traces",
    through: ["otel-collector", "kafka", "tempo"],
  },
  "ml.ingestion.kafka.metrics": {
    title: "ML ingestion: metrics -> collector -> Kafka topic (canary written -> record on the topic)",
    pillar: "metrics",
    target: "latency.ingestion.metrics",
    through: ["otel-collector", "kafka", "tempo"],
  },
  "ml.ingestion.kafka.logs": {
    title: "ML ingestion: logs -> collector -> Kafka topic (canary written -> record on the topic)",
    pillar: "logs",
    target: "latency.ingestion.logs",
    through: ["otel-collector", "kafka", "tempo"],
  },
  "throughput.metrics": {
    title: "Metrics throughput at the profile's rate (remote write, accepted by the receiver's own counter)",
    pillar: "metrics",
    target: "throughput.metricsSamplesPerSec",
  },
  "throughput.logs": {
    title: "Logs throughput at the profile's rate (Loki push, accepted bytes by the receiver's own counter)",
    pillar: "logs",
    target: "throughput.logsBytesPerSec",
  },
  "throughput.traces": {
    title: "Traces throughput at the profile's rate (OTLP/HTTP, accepted spans by the receiver's own counter)",
    pillar: "traces",
    target: "throughput.tracesSpansPerSec",
  },
  "chaos.availability": { title: "Availability through the drill (write+read probes)", pillar: "stack", target: "availabilityPercent" },
} as const satisfies Record<string, CheckDef>;

export type CheckId = keyof typeof CHECKS;

/** Whether a group's id is a catalogued check (chaos' per-fault ids are not). */
export function isCheckId(id: string): id is CheckId {
  return Object.hasOwn(CHECKS, id);
}

export function checkDef(id: CheckId): CheckDef {
  return CHECKS[id];
}

/** The identity of a catalogued check starting now (`titleSuffix` e.g. `, under load`). */
export function identityOf(id: CheckId, startedAtMs: number, titleSuffix = ""): CheckIdentity {
  const def: CheckDef = CHECKS[id];
  return { id, title: `${def.title}${titleSuffix}`, pillar: def.pillar, startedAtMs };
}

/**
 * The components a set of checks goes through (each component once, in the order first named), or
 * undefined when one of them needs the whole stack (no `through`: throughput, chaos, a scenario's own).
 */
export function componentsThrough(ids: readonly string[]): readonly string[] | undefined {
  if (ids.length === 0) return undefined;
  const named: string[] = [];
  for (const id of ids) {
    const def: CheckDef | undefined = (CHECKS as Record<string, CheckDef>)[id];
    if (def?.through === undefined) return undefined;
    for (const c of def.through) if (!named.includes(c)) named.push(c);
  }
  return named;
}

/** The contract target a catalogued check is judged against, if it has one. */
export function catalogTarget(contract: Contract, id: CheckId): ContractTarget | undefined {
  const def: CheckDef = CHECKS[id];
  return def.target === undefined ? undefined : contract.targets[def.target];
}

/** Checks of one chaos fault, `chaos.<fault>.<kind>`; titles end with the fault's name. */
export const CHAOS_CHECKS = {
  fault: { title: "Fault", pillar: "stack" },
  alert: { title: "Stack health alert under the fault: TargetDown -> webhook", pillar: "alerts" },
  "alert-after-restart": { title: "Alert delivery after the Prometheus restart: TargetDown -> webhook", pillar: "alerts" },
} as const satisfies Record<string, CheckDef>;

export function chaosIdentity(fault: string, kind: keyof typeof CHAOS_CHECKS, startedAtMs: number): CheckIdentity {
  const def: CheckDef = CHAOS_CHECKS[kind];
  return { id: `chaos.${fault}.${kind}`, title: `${def.title} (${fault})`, pillar: def.pillar, startedAtMs };
}

/**
 * A canary stream of a drill: a signal through the stack's usual path (`metrics`: remote write into
 * Prometheus; `logs`: Loki push; `traces`: OTLP), or through a named one: `metrics.long-term`
 * (remote write straight into the long-term store, read back through its own query API) and
 * `<signal>.kafka` (the ML ingestion path: OTLP into the collector, read back off the signal's topic).
 */
export type ChaosStream = SignalKind | "metrics.long-term" | `${SignalKind}.kafka`;

/** What a drill measures per stream: loss (`rpo`), recovery (`rto`), and for the ML ingestion path the delivery of what the collector acknowledged. */
export type ChaosMeasure = "rpo" | "rto" | "delivery";

const MEASURE_TITLES: Readonly<Record<ChaosMeasure, string>> = {
  rpo: "RPO",
  rto: "RTO and time to steady state",
  delivery: "Delivery of what the collector acknowledged within the ingestion target",
};

const STREAM_TITLES: Readonly<Record<string, string>> = {
  "metrics.long-term": "metrics, remote write straight into the long-term store",
  kafka: "OTLP -> collector -> Kafka",
};

/** The signal a stream carries: its contract targets and pillar are the signal's. */
export function streamSignal(stream: ChaosStream): SignalKind {
  return stream.split(".")[0] as SignalKind;
}

/** One measure of one stream under one fault: `chaos.<fault>.<measure>.<stream>`, e.g. `chaos.kill:kafka.rpo.traces.kafka`. */
export function chaosSignalIdentity(
  fault: string,
  measure: ChaosMeasure,
  stream: ChaosStream,
  startedAtMs: number,
  through: readonly string[] = [],
): CheckIdentity {
  const signal = streamSignal(stream);
  const path = stream.endsWith(".kafka") ? `${signal}, ${STREAM_TITLES.kafka}` : (STREAM_TITLES[stream] ?? stream);
  return {
    id: `chaos.${fault}.${measure}.${stream}`,
    title: `${MEASURE_TITLES[measure]}, ${path}${through.length ? ` (through ${through.join(", ")})` : ""} (${fault})`,
    pillar: signal,
    startedAtMs,
  };
}

/**
 * The contract target of a drill measure: RPO the signal's (`rpo.metrics` for the long-term store
 * too), RTO the one `rto`, delivery the signal's ingestion latency target.
 */
export function chaosTarget(contract: Contract, measure: ChaosMeasure, stream: ChaosStream): ContractTarget {
  const signal = streamSignal(stream);
  switch (measure) {
    case "rpo":
      return contract.targets[`rpo.${signal}`];
    case "rto":
      return contract.targets.rto;
    case "delivery":
      return contract.targets[`latency.ingestion.${signal}`];
  }
}
