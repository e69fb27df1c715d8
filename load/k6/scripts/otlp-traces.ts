import type { Options } from "k6/options";
import tracing from "k6/x/tracing";
import { SCENARIO_OF } from "./inputs-shape.ts";
import { recordPush } from "./push-metrics.ts";
import { arrivalScenario, readInputs, shapeOf } from "./read-inputs.ts";
import { CHECKOUT_TRACE_SPANS } from "./trace-template.ts";

/**
 * OTLP/gRPC traces at the profile's spans/s (xk6-client-tracing): every iteration sends one
 * checkout trace (trace-template.ts), so iterations/s = spans/s / spans per trace. The exporter
 * emits no k6 metric; the push duration and failures are recorded here.
 */
const inputs = readInputs();
const shape = shapeOf(inputs, "otlp-traces");

export const options: Options = {
  scenarios: { [SCENARIO_OF["otlp-traces"]]: arrivalScenario(inputs, shape.arrival, "sendTrace") },
  thresholds: shape.thresholds,
};

const client = new tracing.Client({ endpoint: shape.endpoint, exporter: tracing.EXPORTER_OTLP, insecure: true, tls: { insecure: true } });
const generator = new tracing.TemplatedGenerator({
  defaults: { attributeSemantics: tracing.SEMANTICS_HTTP, attributes: { "deployment.environment": "ecomm-prod" } },
  spans: CHECKOUT_TRACE_SPANS.map((span) => ({ ...span })),
});

export function sendTrace(): void {
  const startedAtMs = Date.now();
  let ok = false;
  try {
    client.push(generator.traces());
    ok = true;
  } catch (error) {
    console.warn(`otlp push ${shape.endpoint} failed: ${String(error)}`);
  }
  recordPush(startedAtMs, ok, shape.spansPerTrace, "spans");
}

export function teardown(): void {
  client.shutdown();
}
