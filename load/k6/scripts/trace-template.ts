/**
 * The trace the OTLP script sends, as an xk6-client-tracing `TemplatedGenerator` template: one
 * e-commerce checkout through frontend -> cart -> payment -> payment-gateway (a server span
 * answering 500, so `{ status = error }` finds it), with the names and attributes the
 * TraceQL suite (assertions/suites/traceql.yaml) selects on (`resource.service.name = "frontend"`,
 * `name = "HTTP GET"`, `span.http.status_code = 500`, `duration > 1s`). Plain data, no k6 import:
 * the Node side counts its spans to turn spans/s into traces/s.
 */
export interface SpanTemplate {
  service: string;
  name?: string;
  parentIdx?: number;
  /** Milliseconds. */
  duration?: { min: number; max: number };
  attributes?: Record<string, string | number | boolean | string[]>;
  randomAttributes?: { count: number; cardinality?: number };
}

export const CHECKOUT_TRACE_SPANS: readonly SpanTemplate[] = [
  { service: "frontend", name: "HTTP GET", duration: { min: 200, max: 1500 }, attributes: { "http.method": "GET", "http.route": "/checkout" } },
  { service: "frontend", name: "render-checkout" },
  { service: "cart", name: "HTTP GET", parentIdx: 0, attributes: { "http.method": "GET" } },
  { service: "cart", name: "load-cart" },
  { service: "payment", name: "HTTP POST", parentIdx: 0, attributes: { "http.method": "POST" } },
  { service: "payment", name: "authorize", randomAttributes: { count: 1, cardinality: 5 } },
  { service: "payment-gateway", name: "HTTP POST", parentIdx: 4, attributes: { "http.status_code": 500 } },
  { service: "shipping", name: "quote", parentIdx: 0 },
];
