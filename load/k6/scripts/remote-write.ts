import exec from "k6/execution";
import type { Options } from "k6/options";
import remote from "k6/x/remotewrite";
import { SCENARIO_OF } from "./inputs-shape.ts";
import { recordPush } from "./push-metrics.ts";
import { arrivalScenario, readInputs, shapeOf } from "./read-inputs.ts";

/**
 * Remote write 1.0 at the profile's samples/s (xk6-client-prometheus-remote): every iteration
 * sends `samplesPerRequest` series, one sample each, label sets compiled once in Go; the series
 * windows rotate over `seriesCount` series so each series gets a fresh timestamp per cycle.
 */
const inputs = readInputs();
const shape = shapeOf(inputs, "remote-write");

export const options: Options = {
  scenarios: { [SCENARIO_OF["remote-write"]]: arrivalScenario(inputs, shape.arrival, "writeSamples") },
  thresholds: shape.thresholds,
  discardResponseBodies: true,
};

const client = new remote.Client({ url: shape.url, timeout: `${shape.timeoutMs}ms`, user_agent: "obsconf-k6" });
const labels = remote.precompileLabelTemplates({
  __name__: "obsconf_k6_load_value",
  job: "obsconf-k6",
  namespace: "ecomm-prod",
  service: "svc-${series_id%20}",
  pod: "pod-${series_id%500}",
  series_id: "${series_id}",
});
const windowsPerCycle = Math.ceil(shape.seriesCount / shape.samplesPerRequest);

export function writeSamples(): void {
  const first = (exec.scenario.iterationInTest % windowsPerCycle) * shape.samplesPerRequest;
  const end = Math.min(first + shape.samplesPerRequest, shape.seriesCount);
  const startedAtMs = Date.now();
  let ok = false;
  try {
    const res = client.storeFromPrecompiledTemplates(0, 100, startedAtMs, first, end, labels);
    ok = res.status >= 200 && res.status < 300;
  } catch (error) {
    console.warn(`remote write ${shape.url} failed: ${String(error)}`);
  }
  recordPush(startedAtMs, ok, end - first, "samples");
}
