import type { Options } from "k6/options";
import loki from "k6/x/loki";
import { SCENARIO_OF } from "./inputs-shape.ts";
import { recordPush } from "./push-metrics.ts";
import { arrivalScenario, readInputs, shapeOf } from "./read-inputs.ts";

/**
 * Loki push at the profile's log bytes/s (xk6-loki): every iteration pushes one batch of
 * `streamsPerRequest` streams with the run's labels (the LogQL suite selects on them), snappy
 * protobuf only. The extension counts the raw bytes it pushed in `loki_client_uncompressed_bytes`.
 */
const inputs = readInputs();
const shape = shapeOf(inputs, "loki-push");

export const options: Options = {
  scenarios: { [SCENARIO_OF["loki-push"]]: arrivalScenario(inputs, shape.arrival, "pushLogs") },
  thresholds: shape.thresholds,
  discardResponseBodies: true,
};

const PROTOBUF_ONLY = 1;
const config = new loki.Config(shape.baseUrl, shape.timeoutMs, PROTOBUF_ONLY, {}, new loki.Labels(shape.labels));
const client = new loki.Client(config);
const averageBatchBytes = Math.round((shape.batchBytes.min + shape.batchBytes.max) / 2);

export function pushLogs(): void {
  const startedAtMs = Date.now();
  let ok = false;
  try {
    const res = client.pushParameterized(shape.streamsPerRequest, shape.batchBytes.min, shape.batchBytes.max);
    ok = res.status >= 200 && res.status < 300;
  } catch (error) {
    console.warn(`loki push ${shape.baseUrl} failed: ${String(error)}`);
  }
  recordPush(startedAtMs, ok, averageBatchBytes, "bytes");
}
