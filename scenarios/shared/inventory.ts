import { notRun } from "../../assertions/checks/check-builder.ts";
import type { Contract } from "../../assertions/contract.ts";
import type { CheckResult, InventoryEntry } from "../../assertions/run-result.ts";
import type { ComponentStatus } from "../../stack/started-stack.ts";

/** The report's component inventory: version, how each ran, and why not when it did not. */
export function inventoryOf(statuses: readonly ComponentStatus[]): InventoryEntry[] {
  return statuses.map(({ plan, status }) => {
    const entry: InventoryEntry = { component: plan.component, image: plan.image, manifestVersion: plan.manifestVersion, runAs: plan.mode === "unavailable" ? "unavailable" : plan.mode };
    if (plan.mode === "process" || plan.mode === "substitute") {
      entry.binary = plan.binary;
      if (plan.binaryVersion) entry.binaryVersion = plan.binaryVersion;
    }
    if (plan.mode === "process") entry.versionMismatch = plan.versionMismatch;
    if (plan.mode === "substitute") {
      entry.substitute = plan.substitute;
      entry.reason = `${plan.reason}; ${plan.describe}`;
    }
    if (status.state === "unavailable" || status.state === "not-started") entry.reason = status.reason;
    if (status.state === "error") {
      entry.runAs = "error";
      entry.reason = status.error;
    }
    return entry;
  });
}

/**
 * Checks of pillars this scenario cannot run here: each is `unavailable` (the component is absent,
 * with the plan's reason) or `unsupported` (the component runs, but this build has no such check yet).
 */
export function pillarChecksNotRun(statuses: readonly ComponentStatus[], contract: Contract, atMs: number, ran: readonly string[] = []): CheckResult[] {
  const stateOf = (name: string) => statuses.find((s) => s.plan.component === name);
  const why = (name: string): { status: "unavailable" | "unsupported"; reason: string } => {
    const s = stateOf(name);
    if (!s) return { status: "unavailable", reason: `${name} is not in the manifests` };
    if (s.status.state === "unavailable" || s.status.state === "not-started") return { status: "unavailable", reason: `${name}: ${s.status.reason}` };
    if (s.status.state === "error") return { status: "unavailable", reason: `${name} failed to start: ${s.status.error.split("\n")[0]}` };
    return { status: "unsupported", reason: `${name} runs, but this version of obsconf has no such check yet` };
  };
  const rows: [id: string, title: string, pillar: CheckResult["pillar"], component: string, target?: keyof Contract["targets"]][] = [
    ["logs.ingestion", "Logs ingestion (Loki push -> queryable)", "logs", "loki", "latency.ingestion.logs"],
    ["logs.ingestion.agent", "Logs through the agents (pod log files -> Promtail/Vector -> Loki)", "logs", "promtail", "latency.ingestion.logs"],
    ["traces.ingestion", "Traces ingestion (OTLP -> Tempo queryable)", "traces", "tempo", "latency.ingestion.traces"],
    ["query.logql", "LogQL query response at concurrent users", "query", "loki", "latency.query.logql"],
    ["query.traceql", "TraceQL query response at concurrent users", "query", "tempo", "latency.query.traceql"],
    ["query.grafana", "Query response through Grafana", "query", "grafana", "latency.query.grafana"],
    ["config.loki.retention", "Loki retention", "config", "loki", "retention.loki"],
    ["metrics.kube-state-metrics", "kube-state-metrics scraped", "metrics", "kube-state-metrics"],
    ["stack.kafka", "ML ingestion path (Kafka)", "stack", "kafka"],
  ];
  return rows.filter(([id]) => !ran.some((done) => done === id || done.startsWith(`${id}.`))).map(([id, title, pillar, component, target]) => {
    const { status, reason } = why(component);
    return notRun({ id, title, pillar, startedAtMs: atMs }, status, reason, target ? contract.targets[target] : undefined);
  });
}
