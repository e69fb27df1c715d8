import { componentDef } from "../components/index.ts";
import type { ComponentStatus, Endpoint, StartedStack } from "../started-stack.ts";
import { AlertmanagerClient } from "./alertmanager-client.ts";
import { KafkaClient } from "./kafka-client.ts";
import type { OtlpSignal } from "./otlp-kafka-records.ts";
import { LokiClient } from "./loki-client.ts";
import { PrometheusClient } from "./prometheus-client.ts";
import { absenceReason, absent, componentReach, ready, simulatedBy, type Reach } from "./reach.ts";
import { receiverCounterFor, type ReceiverCounter } from "./receiver-counters.ts";
import { TempoClient } from "./tempo-client.ts";

/** Where a writer sends: the URL of a component's push API (loopback, or past a fault proxy). */
export interface PushTarget {
  /** e.g. `http://127.0.0.1:9090/api/v1/write`. */
  url: string;
  /** Headers every push carries (an attached stack's credentials); absent for stacks obsconf started. */
  headers?: Readonly<Record<string, string>>;
  /** For the report: `remote write -> prometheus`, `OTLP/HTTP -> otel-collector -> tempo`. */
  path: string;
}

/** A receiver of generated load: where to send, and its own count of what it accepted. */
export interface PushReceiver {
  /** e.g. `victoria-metrics (standing in for mimir)` or `prometheus`. */
  name: string;
  url: string;
  counter: ReceiverCounter;
  simulatedBy: readonly string[];
  /** Lines for the report, e.g. what else writes into this receiver. */
  notes: readonly string[];
}

export type LoadSignal = "metrics" | "logs" | "traces";

export interface StackClientsOptions {
  /** Per-request timeout of the query clients (default: each client's own). */
  timeoutMs?: number;
  /**
   * Reach each component past a fault proxy placed in front of it (chaos readers measure when data is
   * readable at the component, so they must not pay a delay twice or be refused). Default: through it,
   * as the stack's own clients do.
   */
  pastFaultProxies?: boolean;
}

/**
 * The typed clients of a started stack, one per purpose: query clients, push targets and load
 * receivers (with their counters), each `ready` or `absent` with the reason. Every URL of the stack's
 * APIs is built here and nowhere else. Disposing closes every query client.
 */
export class StackClients implements AsyncDisposable {
  readonly statuses: readonly ComponentStatus[];
  readonly prometheus: Reach<PrometheusClient>;
  readonly alertmanager: Reach<AlertmanagerClient>;
  /** The long-term store (Mimir or its substitute) through its Prometheus-compatible query API. */
  readonly longTerm: Reach<PrometheusClient>;
  readonly loki: Reach<LokiClient>;
  readonly tempo: Reach<TempoClient>;
  /** Prometheus' remote-write receiver (canaries, alert triggers). */
  readonly remoteWrite: Reach<PushTarget>;
  /** Loki's push API (or the Loki reference sink's). */
  readonly lokiPush: Reach<PushTarget>;
  /** Where OTLP traces enter the stack: the collector when it runs, else Tempo (or its stand-in) directly. */
  readonly otlp: Reach<PushTarget & { viaCollector: boolean }>;
  /** Tempo's own OTLP/HTTP receiver, past any collector (a drill's trace canary writes where a fault on Tempo sits). */
  readonly tempoOtlp: Reach<PushTarget>;
  /** The OTel Collector's OTLP/HTTP receiver per signal (the ML ingestion path's entry, whatever runs behind it). */
  readonly collectorOtlp: Readonly<Record<OtlpSignal, Reach<PushTarget>>>;
  /** The long-term store's own push API (Mimir's `/api/v1/push`, or its substitute's). */
  readonly longTermPush: Reach<PushTarget>;
  /**
   * The Kafka broker (ML ingestion path). Past a fault proxy when the options ask for it: the broker
   * advertises the proxy's address, so the client maps that address back to the broker's own.
   */
  readonly kafka: Reach<KafkaClient>;
  /** Where each signal's generated load goes, with the receiver's own counter (see `receiverOf`). */
  readonly receivers: Readonly<Record<LoadSignal, Reach<PushReceiver>>>;
  readonly #stack: StartedStack;
  readonly #options: StackClientsOptions;

  constructor(stack: StartedStack, options: StackClientsOptions = {}) {
    this.#stack = stack;
    this.#options = options;
    this.statuses = stack.components();
    const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
    const life = (signal: AbortSignal | undefined) => (signal ? { lifeSignal: signal } : {});
    const h = (headers: Endpoint["headers"]) => (headers ? { headers } : {});
    this.prometheus = this.#client("prometheus", "web", (e, signal) => new PrometheusClient({ baseUrl: e.url, ...timeout, ...life(signal), ...h(e.headers) }));
    this.alertmanager = this.#client(
      "alertmanager",
      "web",
      (e, signal) => new AlertmanagerClient({ baseUrl: e.url, ...timeout, ...life(signal), ...h(e.headers) }),
    );
    this.longTerm = this.#client(
      "mimir",
      "*",
      (e, signal) => new PrometheusClient({ baseUrl: `${e.url}/prometheus`, readyUrl: `${e.url}/ready`, ...timeout, ...life(signal), ...h(e.headers) }),
    );
    this.loki = this.#client("loki", "http", (e, signal) => new LokiClient({ baseUrl: e.url, ...timeout, ...life(signal), ...h(e.headers) }));
    this.tempo = this.#client("tempo", "http", (e, signal) => new TempoClient({ baseUrl: e.url, ...timeout, ...life(signal), ...h(e.headers) }));
    this.remoteWrite = this.#push("prometheus", "web", "/api/v1/write", "remote write -> prometheus");
    this.lokiPush = this.#push("loki", "http", "/loki/api/v1/push", "Loki push -> loki");
    const collector = this.#push("otel-collector", "otlp-http", "/v1/traces", "OTLP/HTTP -> otel-collector -> tempo");
    const viaCollector = collector.kind === "ready" && this.tempo.kind === "ready";
    const direct = this.#push("tempo", "otlp-http", "/v1/traces", "OTLP/HTTP -> tempo (no collector runs here)");
    this.tempoOtlp = this.#push("tempo", "otlp-http", "/v1/traces", "OTLP/HTTP -> tempo");
    this.otlp = viaCollector
      ? ready(
          { ...collector.value, viaCollector: true },
          [...simulatedBy(this.statusOf("tempo")), ...simulatedBy(this.statusOf("otel-collector"))],
          ["otel-collector", "tempo"],
        )
      : direct.kind === "ready"
        ? ready({ ...direct.value, viaCollector: false }, direct.simulatedBy, direct.components)
        : direct;
    const collectorPush = (signal: OtlpSignal) => this.#push("otel-collector", "otlp-http", `/v1/${signal}`, `OTLP/HTTP -> otel-collector (${signal})`);
    this.collectorOtlp = { traces: collectorPush("traces"), metrics: collectorPush("metrics"), logs: collectorPush("logs") };
    this.longTermPush = this.#push("mimir", "*", "/api/v1/push", "remote write -> mimir");
    this.kafka = this.#kafka();
    this.receivers = { metrics: this.#metricsReceiver(), logs: this.#logsReceiver(), traces: this.#tracesReceiver() };
  }

  statusOf(component: string): ComponentStatus | undefined {
    return this.statuses.find((s) => s.plan.component === component);
  }

  /** Ready now (a component that died since the start is not). */
  isReady(component: string): boolean {
    return this.statusOf(component)?.status.state === "ready";
  }

  /** Whether `component` runs as a stand-in that keeps what it accepted in memory only (a reference sink). */
  keepsDataInMemory(component: string): boolean {
    const status = this.statusOf(component);
    if (status?.plan.mode !== "substitute") return false;
    const substitute = status.plan.substitute;
    return componentDef(component).substitutes?.find((s) => s.name === substitute)?.keepsData === "memory";
  }

  /** Why `component` cannot be used here (the plan's or the start's reason). */
  absence(component: string): string {
    return absenceReason(component, this.statusOf(component));
  }

  /** The component as a check sees it: ready, or absent with the reason and the check's status (see `componentReach`). */
  component(component: string): Reach<ComponentStatus> {
    return componentReach(component, this.statusOf(component));
  }

  /** The endpoint of one named Service port (`*`: the first), past a fault proxy when the options ask for it. */
  endpoint(component: string, port: string): Reach<Endpoint> {
    const reach = this.component(component);
    if (reach.kind === "absent") return reach;
    const ports = this.#stack.endpoints()[component] ?? {};
    const named = port === "*" ? Object.keys(ports)[0] : port;
    const endpoint =
      named === undefined
        ? undefined
        : this.#options.pastFaultProxies
          ? (this.#stack.control?.(component)?.proxy(named)?.upstream ?? ports[named])
          : ports[named];
    return endpoint ? ready(endpoint, reach.simulatedBy, reach.components) : absent(`${component} serves no port named ${JSON.stringify(port)} here`);
  }

  #client<T>(component: string, port: string, open: (endpoint: Endpoint, lifeSignal: AbortSignal | undefined) => T): Reach<T> {
    const endpoint = this.endpoint(component, port);
    return endpoint.kind === "ready" ? ready(open(endpoint.value, this.#stack.lifeSignal?.(component)), endpoint.simulatedBy, endpoint.components) : endpoint;
  }

  #kafka(): Reach<KafkaClient> {
    const endpoint = this.endpoint("kafka", "kafka");
    if (endpoint.kind === "absent") return endpoint;
    const proxy = this.#options.pastFaultProxies ? this.#stack.control?.("kafka")?.proxy("kafka") : undefined;
    const addressMap = proxy ? { [`${proxy.listen.host}:${proxy.listen.port}`]: { host: proxy.upstream.host, port: proxy.upstream.port } } : {};
    const timeouts = this.#options.timeoutMs === undefined ? {} : { requestTimeoutMs: Math.max(this.#options.timeoutMs, 5_000) };
    return ready(KafkaClient.forEndpoint(endpoint.value, { clientId: "obsconf", addressMap, ...timeouts }), endpoint.simulatedBy, endpoint.components);
  }

  #push(component: string, port: string, apiPath: string, path: string): Reach<PushTarget> {
    const endpoint = this.endpoint(component, port);
    return endpoint.kind === "ready"
      ? ready(
          { url: `${endpoint.value.url}${this.#servedPath(component, apiPath)}`, path, ...(endpoint.value.headers ? { headers: endpoint.value.headers } : {}) },
          endpoint.simulatedBy,
          endpoint.components,
        )
      : endpoint;
  }

  /** A substitute may serve an API elsewhere (VictoriaMetrics takes Mimir's `/api/v1/push` on `/api/v1/write`). */
  #servedPath(component: string, apiPath: string): string {
    const status = this.statusOf(component);
    if (status?.plan.mode !== "substitute") return apiPath;
    const substitute = status.plan.substitute;
    return componentDef(component).substitutes?.find((s) => s.name === substitute)?.pathRewrites?.[apiPath] ?? apiPath;
  }

  #receiver(component: string, push: Reach<PushTarget>, metricsPort: string, notes: readonly string[]): Reach<PushReceiver> {
    const metrics = this.endpoint(component, metricsPort);
    if (push.kind === "absent") return push;
    if (metrics.kind === "absent") return metrics;
    const status = this.statusOf(component);
    const name = simulatedBy(status)[0] ?? component;
    const counter = receiverCounterFor(status?.plan.mode === "substitute" ? status.plan.substitute : component, metrics.value.url);
    return ready(
      { name, url: push.value.url, counter, simulatedBy: push.simulatedBy, notes: [`sent to ${push.value.url}`, ...notes] },
      push.simulatedBy,
      push.components,
    );
  }

  /**
   * Metrics load goes to the long-term store (Mimir, or VictoriaMetrics standing in) when it runs, else
   * to Prometheus' remote-write receiver (on 2 cores Prometheus alone cannot take the documented rate:
   * the check then fails naming the receiver).
   */
  #metricsReceiver(): Reach<PushReceiver> {
    return this.isReady("mimir")
      ? this.#receiver("mimir", this.longTermPush, "*", [
          "the counter also counts Prometheus' own remote_write into the long-term store (scrapes and canaries: a few samples/s)",
        ])
      : this.#receiver("prometheus", this.remoteWrite, "web", ["the counter also counts Prometheus' own scrapes and the push canaries (a few samples/s)"]);
  }

  #logsReceiver(): Reach<PushReceiver> {
    return this.#receiver("loki", this.lokiPush, "http", ["the counter also counts the log canaries' lines (a few bytes/s)"]);
  }

  /** Traces load goes to the OTel Collector's OTLP/HTTP receiver when it runs, else to Tempo's (or the Tempo sink's). */
  #tracesReceiver(): Reach<PushReceiver> {
    return this.isReady("otel-collector")
      ? this.#receiver("otel-collector", this.#push("otel-collector", "otlp-http", "/v1/traces", "OTLP/HTTP -> otel-collector"), "metrics", [
          "the counter also counts the trace canaries' spans",
        ])
      : this.#receiver("tempo", this.#push("tempo", "otlp-http", "/v1/traces", "OTLP/HTTP -> tempo"), "http", [
          "the counter also counts the trace canaries' spans; no collector runs here",
        ]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const open = [this.prometheus, this.alertmanager, this.longTerm, this.loki, this.tempo].flatMap((c) => (c.kind === "ready" ? [c.value] : []));
    await Promise.all([...open.map((client) => client[Symbol.asyncDispose]()), ...(this.kafka.kind === "ready" ? [this.kafka.value.disconnect()] : [])]);
  }
}
