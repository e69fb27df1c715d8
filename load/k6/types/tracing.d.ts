/**
 * `k6/x/tracing`: grafana/xk6-client-tracing (tracing.go `Exports`: SEMANTICS_HTTP, SEMANTICS_DB,
 * EXPORTER_OTLP, EXPORTER_JAEGER, Client, ParameterizedGenerator, TemplatedGenerator,
 * generateRandomTraceID; pkg/tracegen/templated.go for the template). The client sends through
 * an OpenTelemetry Collector exporter (OTLP/gRPC), not k6's HTTP stack: it emits no k6 metric of
 * its own, and `push` throws when the export fails.
 */
declare module "k6/x/tracing" {
  export type Exporter = "otlp" | "jaeger";
  /** tracegen.OTelSemantics: 0 none, 1 HTTP, 2 DB. */
  export type Semantics = 0 | 1 | 2;

  export const SEMANTICS_HTTP: Semantics;
  export const SEMANTICS_DB: Semantics;
  export const EXPORTER_OTLP: Exporter;
  export const EXPORTER_JAEGER: Exporter;

  export interface ClientConfig {
    /** `host:port`, default `0.0.0.0:4317`. */
    endpoint: string;
    exporter?: Exporter;
    /** Plain-text gRPC (no TLS). */
    insecure?: boolean;
    /** Newer releases read `tls.insecure` instead of `insecure`. */
    tls?: { insecure?: boolean };
    authentication?: { user: string; password: string };
    headers?: Record<string, string>;
  }

  /** Opaque ptrace.Traces, passed from a generator to `Client.push`. */
  export interface Traces {
    readonly __traces: unique symbol;
  }

  export interface AttributeParams {
    count: number;
    cardinality?: number;
  }

  export interface SpanDefaults {
    attributeSemantics?: Semantics;
    attributes?: Record<string, unknown>;
    randomAttributes?: AttributeParams;
  }

  export interface SpanTemplate {
    /** Required: the span's resource `service.name`. */
    service: string;
    name?: string;
    /** Index of an earlier span; default the previous span. */
    parentIdx?: number;
    /** Milliseconds. */
    duration?: { min: number; max: number };
    attributeSemantics?: Semantics;
    attributes?: Record<string, unknown>;
    randomAttributes?: AttributeParams;
  }

  export interface TraceTemplate {
    defaults: SpanDefaults;
    spans: SpanTemplate[];
  }

  export interface TraceParams {
    id?: string;
    parent_id?: string;
    random_service_name?: boolean;
    count?: number;
    resource_size?: number;
    spans?: { count?: number; size?: number; random_name?: boolean; fixed_attrs?: Record<string, unknown> };
  }

  export class Client {
    constructor(config: ClientConfig);
    push(traces: Traces): void;
    shutdown(): void;
  }

  export class TemplatedGenerator {
    constructor(template: TraceTemplate);
    /** One trace following the template, fresh ids and timestamps each call. */
    traces(): Traces;
  }

  export class ParameterizedGenerator {
    constructor(params: TraceParams[]);
    traces(): Traces;
  }

  export function generateRandomTraceID(): string;

  const tracing: {
    SEMANTICS_HTTP: Semantics;
    SEMANTICS_DB: Semantics;
    EXPORTER_OTLP: Exporter;
    EXPORTER_JAEGER: Exporter;
    Client: typeof Client;
    TemplatedGenerator: typeof TemplatedGenerator;
    ParameterizedGenerator: typeof ParameterizedGenerator;
    generateRandomTraceID: typeof generateRandomTraceID;
  };
  export default tracing;
}
