import type { Scenario } from "k6/options";
import { K6_INPUTS_FILE, K6_INPUTS_SCHEMA, type ArrivalRate, type K6Inputs, type K6Shapes, type ShapeName } from "./inputs-shape.ts";

/**
 * Reads `k6-inputs.json` in the init context: from `OBSCONF_K6_INPUTS` when set (the local
 * runner and the TestRun both set it), else beside the script. A missing shape stops the script
 * at init with the reason the harness wrote.
 */
export function readInputs(): K6Inputs {
  const path = __ENV.OBSCONF_K6_INPUTS || `./${K6_INPUTS_FILE}`;
  const inputs = JSON.parse(open(path)) as K6Inputs;
  if (inputs.schema !== K6_INPUTS_SCHEMA) throw new Error(`${path}: expected schema ${K6_INPUTS_SCHEMA}, saw ${String(inputs.schema)}`);
  return inputs;
}

export function shapeOf<N extends ShapeName>(inputs: K6Inputs, name: N): NonNullable<K6Shapes[N]> {
  const shape = inputs.shapes[name];
  if (shape === undefined) throw new Error(`k6 inputs: no ${name} shape in this run (${inputs.unavailable[name] ?? "not configured"})`);
  return shape as NonNullable<K6Shapes[N]>;
}

/** Open model: `ratePerSec` iterations start every second for `durationSec`, late ones are counted (dropped_iterations). */
export function arrivalScenario(inputs: K6Inputs, arrival: ArrivalRate, exec: string): Scenario {
  return {
    executor: "constant-arrival-rate",
    exec,
    rate: arrival.ratePerSec,
    timeUnit: "1s",
    duration: `${arrival.durationSec}s`,
    preAllocatedVUs: arrival.preAllocatedVUs,
    maxVUs: arrival.maxVUs,
    gracefulStop: `${inputs.gracefulStopSec}s`,
  };
}
