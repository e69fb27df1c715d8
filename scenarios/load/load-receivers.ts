import type { ThroughputSignal } from "../../assertions/checks/throughput-check.ts";
import { componentDef } from "../../stack/components/index.ts";
import type { ComponentStatus, Endpoint, StartedStack } from "../../stack/started-stack.ts";
import { simulatedBy } from "../shared/component-status.ts";
import type { StackClients } from "../shared/stack-clients.ts";
import { receiverCounterFor } from "../../stack/clients/receiver-counters.ts";
import type { LoadReceiver } from "./throughput-run.ts";

export type SignalReceiver = { kind: "ready"; receiver: LoadReceiver } | { kind: "unavailable"; status: ComponentStatus | undefined };

/**
 * Where each signal's load goes, and whose counter says what was accepted:
 * - metrics: the long-term store (Mimir, or VictoriaMetrics standing in) when it runs, else Prometheus'
 *   remote-write receiver (on 2 cores Prometheus alone cannot take the documented rate: the check then
 *   fails naming the receiver);
 * - logs: Loki's push API (or the Loki reference sink);
 * - traces: the OTel Collector's OTLP/HTTP receiver when it runs, else Tempo's (or the Tempo sink's).
 */
export function loadReceivers(clients: StackClients, stack: StartedStack): Record<ThroughputSignal, SignalReceiver> {
  const endpoints = stack.endpoints();
  const receiver = (component: string, endpoint: Endpoint | undefined, pushPath: string, metrics: Endpoint | undefined, notes: string[] = []): SignalReceiver => {
    const status = clients.statusOf(component);
    if (!endpoint || !metrics || status?.status.state !== "ready") return { kind: "unavailable", status };
    const substituteName = simulatedBy(status);
    return {
      kind: "ready",
      receiver: {
        name: substituteName[0] ?? component, url: `${endpoint.url}${pushPath}`,
        counter: receiverCounterFor(status.plan.mode === "substitute" ? status.plan.substitute : component, metrics.url),
        simulatedBy: substituteName, notes: [`sent to ${endpoint.url}${pushPath}`, ...notes],
      },
    };
  };
  const mimir = clients.statusOf("mimir");
  const mimirHttp = Object.values(endpoints.mimir ?? {})[0];
  const metrics = clients.ready("mimir")
    ? receiver("mimir", mimirHttp, mimirPushPath(mimir), mimirHttp, ["the counter also counts Prometheus' own remote_write into the long-term store (scrapes and canaries: a few samples/s)"])
    : receiver("prometheus", endpoints.prometheus?.web, "/api/v1/write", endpoints.prometheus?.web, ["the counter also counts Prometheus' own scrapes and the push canaries (a few samples/s)"]);
  const logs = receiver("loki", endpoints.loki?.http, "/loki/api/v1/push", endpoints.loki?.http, ["the counter also counts the log canaries' lines (a few bytes/s)"]);
  const traces = clients.ready("otel-collector")
    ? receiver("otel-collector", endpoints["otel-collector"]?.["otlp-http"], "/v1/traces", endpoints["otel-collector"]?.metrics, ["the counter also counts the trace canaries' spans"])
    : receiver("tempo", endpoints.tempo?.["otlp-http"], "/v1/traces", endpoints.tempo?.http, ["the counter also counts the trace canaries' spans; no collector runs here"]);
  return { metrics, logs, traces };
}

/** Mimir takes remote write on `/api/v1/push`; a substitute may serve it elsewhere (VictoriaMetrics: `/api/v1/write`). */
function mimirPushPath(status: ComponentStatus | undefined): string {
  const push = "/api/v1/push";
  if (status?.plan.mode !== "substitute") return push;
  const substitute = status.plan.substitute;
  return componentDef("mimir").substitutes?.find((s) => s.name === substitute)?.pathRewrites?.[push] ?? push;
}
