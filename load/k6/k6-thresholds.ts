import { HarnessError } from "../../common/errors.ts";
import { PUSH_FAILED_METRIC, SCENARIO_OF, type DerivedThresholds, type QueryLanguage, type ShapeName } from "./scripts/inputs-shape.ts";

/** One contract target as the contract loader resolves it (assertions' `ContractTarget` fits). */
export interface TargetView {
  comparator: string;
  value: number;
  unit: string;
  /** `<contract file>#targets.<path>`. */
  source: string;
}

export type K6TargetPath = "latency.query.promql" | "latency.query.logql" | "latency.query.traceql" | "availabilityPercent" | "query.concurrentUsers";

/**
 * The part of the loaded contract the k6 inputs read. load/ does not import assertions/: the
 * caller passes the contract it loaded (assertions' `Contract` is assignable to this).
 */
export interface ContractView {
  file: string;
  version: string;
  targets: Readonly<Record<K6TargetPath, TargetView>>;
}

/** The percentile the query-latency check compares with the target (assertions/checks/query-latency-check.ts). */
export const QUERY_LATENCY_PERCENTILE = 99;

/** The share of failed requests the availability target allows: (100 - availabilityPercent) / 100. */
export function maxFailureRate(contract: ContractView): number {
  const target = contract.targets.availabilityPercent;
  expectUnit(target, "availabilityPercent", "percent");
  return Number(((100 - target.value) / 100).toPrecision(12));
}

/** A write shape fails its thresholds when more of its pushes fail than the availability target allows. */
export function writeThresholds(contract: ContractView, shape: Exclude<ShapeName, "query-load">): DerivedThresholds {
  const selector = `${PUSH_FAILED_METRIC}{scenario:${SCENARIO_OF[shape]}}`;
  const expression = `rate<${maxFailureRate(contract)}`;
  return { thresholds: { [selector]: [expression] }, sources: { [`${selector}: ${expression}`]: contract.targets.availabilityPercent.source } };
}

/** Per query language: p99 of `http_req_duration` under the latency target, failures within the availability target. */
export function queryThresholds(contract: ContractView, languages: readonly QueryLanguage[]): DerivedThresholds {
  const result: DerivedThresholds = { thresholds: {}, sources: {} };
  const failed = `rate<${maxFailureRate(contract)}`;
  for (const language of languages) {
    const target = contract.targets[`latency.query.${language}`];
    expectUnit(target, `latency.query.${language}`, "ms");
    if (target.comparator !== "<" && target.comparator !== "<=") {
      throw new HarnessError(`contract ${contract.file} latency.query.${language}: expected comparator < or <= for a k6 threshold, saw ${target.comparator}`);
    }
    const duration = `http_req_duration{language:${language}}`;
    const latency = `p(${QUERY_LATENCY_PERCENTILE})${target.comparator}${target.value}`;
    const failures = `http_req_failed{language:${language}}`;
    result.thresholds[duration] = [latency];
    result.thresholds[failures] = [failed];
    result.sources[`${duration}: ${latency}`] = target.source;
    result.sources[`${failures}: ${failed}`] = contract.targets.availabilityPercent.source;
  }
  return result;
}

function expectUnit(target: TargetView, path: string, unit: string): void {
  if (target.unit !== unit) throw new HarnessError(`contract target ${path} (${target.source}): expected unit ${unit} for a k6 threshold, saw ${target.unit}`);
}
