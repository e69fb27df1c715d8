export { buildK6Inputs, LOKI_PUSH_LABELS, type K6InputsOptions, type K6Tuning, type OfferedRates, type ProfileView, type SuiteView } from "./k6-inputs.ts";
export { k6TargetsFrom, type K6TargetOptions, type K6Targets, type Reachable } from "./k6-targets.ts";
export {
  maxFailureRate,
  queryThresholds,
  writeThresholds,
  QUERY_LATENCY_PERCENTILE,
  type ContractView,
  type K6TargetPath,
  type TargetView,
} from "./k6-thresholds.ts";
export { K6_SCRIPTS_DIR, k6ScriptFiles } from "./k6-script-files.ts";
export { k6OutputLines, parseK6Line, type K6Line, type K6Point } from "./k6-json-output.ts";
export {
  mergeK6Outputs,
  type GeneratorOutput,
  type LatencySelector,
  type LatencySummary,
  type MergedK6Outputs,
  type MergedLatencyGroup,
} from "./merge-k6-outputs.ts";
export { findK6, LATENCY_SELECTORS, runK6, segments, type GeneratorRun, type K6RunOptions, type K6RunResult, type K6ShapeRun } from "./run-k6.ts";
export { K6_OPERATOR_SCRIPT_DIR, K6_SCRIPTS_CONFIGMAP, renderK6TestRuns, type K6TestRunOptions } from "./k6-test-run.ts";
export { K6_INPUTS_FILE, K6_INPUTS_SCHEMA, SCENARIO_OF, SCRIPT_OF, type K6Inputs, type K6Shapes, type ShapeName } from "./scripts/inputs-shape.ts";
