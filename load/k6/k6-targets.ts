import type { StackEndpoints } from "../../stack/started-stack.ts";

/** Where each k6 traffic shape sends, or why it cannot run in this stack. */
export type Reachable<T> = ({ available: true } & T) | { available: false; reason: string };

export interface K6Targets {
  remoteWrite: Reachable<{ url: string; receiver: string }>;
  lokiPush: Reachable<{ baseUrl: string }>;
  otlpGrpc: Reachable<{ endpoint: string; receiver: string }>;
  query: { promql: Reachable<{ baseUrl: string }>; logql: Reachable<{ baseUrl: string }>; traceql: Reachable<{ baseUrl: string }> };
}

export interface K6TargetOptions {
  /** Which receiver the remote-write shape loads: Prometheus (`/api/v1/write`) or Mimir (`/api/v1/push`). Default prometheus. */
  metricsReceiver?: "prometheus" | "mimir";
}

/**
 * The k6 targets from a started stack's endpoints (`StartedStack.endpoints()`: component ->
 * Service port name -> endpoint). A cluster run passes the in-cluster endpoints the k6 runner
 * pods reach. Only API paths are added here; hosts and ports come from the endpoints.
 */
export function k6TargetsFrom(endpoints: StackEndpoints, { metricsReceiver = "prometheus" }: K6TargetOptions = {}): K6Targets {
  const http = (component: string, port: string) => endpoints[component]?.[port];
  const missing = (what: string) => ({ available: false as const, reason: `no ${what} endpoint in the started stack` });
  const prometheus = http("prometheus", "web");
  const mimir = http("mimir", "http");
  const loki = http("loki", "http");
  const tempo = http("tempo", "http");
  const collector = http("otel-collector", "otlp-grpc");
  const tempoOtlp = http("tempo", "otlp-grpc");
  const remoteWrite =
    metricsReceiver === "mimir"
      ? mimir
        ? { available: true as const, url: `${mimir.url}/api/v1/push`, receiver: "mimir" }
        : missing("mimir http")
      : prometheus
        ? { available: true as const, url: `${prometheus.url}/api/v1/write`, receiver: "prometheus" }
        : missing("prometheus web");
  const otlp = collector ?? tempoOtlp;
  return {
    remoteWrite,
    lokiPush: loki ? { available: true, baseUrl: loki.url } : missing("loki http"),
    otlpGrpc: otlp
      ? { available: true, endpoint: `${otlp.host}:${otlp.port}`, receiver: collector ? "otel-collector" : "tempo" }
      : missing("otel-collector or tempo otlp-grpc"),
    query: {
      promql: prometheus ? { available: true, baseUrl: prometheus.url } : missing("prometheus web"),
      logql: loki ? { available: true, baseUrl: loki.url } : missing("loki http"),
      traceql: tempo ? { available: true, baseUrl: tempo.url } : missing("tempo http"),
    },
  };
}
