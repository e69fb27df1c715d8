import { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import { LokiClient } from "../../stack/clients/loki-client.ts";
import { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import { TempoClient } from "../../stack/clients/tempo-client.ts";
import type { ComponentStatus, Endpoint, StartedStack } from "../../stack/started-stack.ts";
import { simulatedBy } from "./component-status.ts";

/** Where OTLP traces enter the stack: the collector when it runs, else Tempo (or its stand-in) directly. */
export interface OtlpEntry {
  endpoint: Endpoint;
  /** For the report: `OTLP/HTTP -> otel-collector -> tempo` or `OTLP/HTTP -> tempo (no collector runs here)`. */
  path: string;
  viaCollector: boolean;
  simulatedBy: string[];
}

/**
 * The typed clients of a started stack, one per ready component (undefined when it is not ready), and
 * each component's status. Disposing closes every client.
 */
export class StackClients implements AsyncDisposable {
  readonly statuses: readonly ComponentStatus[];
  readonly prometheus: PrometheusClient | undefined;
  readonly alertmanager: AlertmanagerClient | undefined;
  /** The long-term store (Mimir or its substitute) through its Prometheus-compatible query API. */
  readonly mimir: PrometheusClient | undefined;
  readonly loki: LokiClient | undefined;
  readonly tempo: TempoClient | undefined;
  readonly otlp: OtlpEntry | undefined;

  constructor(readonly stack: StartedStack) {
    this.statuses = stack.components();
    const endpoints = stack.endpoints();
    this.prometheus = this.ready("prometheus") ? new PrometheusClient({ baseUrl: endpoints.prometheus!.web!.url }) : undefined;
    this.alertmanager = this.ready("alertmanager") ? new AlertmanagerClient({ baseUrl: endpoints.alertmanager!.web!.url }) : undefined;
    const mimirUrl = this.ready("mimir") ? Object.values(endpoints.mimir ?? {})[0]?.url : undefined;
    this.mimir = mimirUrl ? new PrometheusClient({ baseUrl: `${mimirUrl}/prometheus`, readyUrl: `${mimirUrl}/ready` }) : undefined;
    this.loki = this.ready("loki") ? new LokiClient({ baseUrl: endpoints.loki!.http!.url }) : undefined;
    this.tempo = this.ready("tempo") ? new TempoClient({ baseUrl: endpoints.tempo!.http!.url }) : undefined;
    const collector = this.ready("otel-collector") ? endpoints["otel-collector"]?.["otlp-http"] : undefined;
    const direct = this.tempo ? endpoints.tempo?.["otlp-http"] : undefined;
    this.otlp = collector
      ? { endpoint: collector, path: "OTLP/HTTP -> otel-collector -> tempo", viaCollector: true, simulatedBy: [...simulatedBy(this.statusOf("tempo")), ...simulatedBy(this.statusOf("otel-collector"))] }
      : direct
        ? { endpoint: direct, path: "OTLP/HTTP -> tempo (no collector runs here)", viaCollector: false, simulatedBy: simulatedBy(this.statusOf("tempo")) }
        : undefined;
  }

  statusOf(component: string): ComponentStatus | undefined {
    return this.statuses.find((s) => s.plan.component === component);
  }

  ready(component: string): boolean {
    return this.statusOf(component)?.status.state === "ready";
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all([this.prometheus, this.alertmanager, this.mimir, this.loki, this.tempo].map((client) => client?.[Symbol.asyncDispose]()));
  }
}
