import { InputError, type InputLocation } from "../../common/errors.ts";
import { queryThresholds, writeThresholds, type ContractView } from "./k6-thresholds.ts";
import type { K6Targets } from "./k6-targets.ts";
import { K6_INPUTS_SCHEMA, type ArrivalRate, type K6Inputs, type K6Query, type K6Shapes, type QueryLanguage, type ShapeName } from "./scripts/inputs-shape.ts";
import { CHECKOUT_TRACE_SPANS } from "./scripts/trace-template.ts";

/** The profile fields the k6 run uses (assertions' `Profile` is assignable). */
export interface ProfileView {
  name: string;
  query: { users: number; durationMs: number };
  load: { durationMs: number };
}

/** What the generators offer under the profile: assertions' `offeredRates(contract, profile)`. */
export interface OfferedRates {
  metricsSamplesPerSec: number;
  logsBytesPerSec: number;
  tracesSpansPerSec: number;
}

/** A query suite as assertions' `loadQuerySuite` returns it. */
export interface SuiteView {
  file: string;
  language: QueryLanguage;
  queries: readonly { name: string; expr: string; range: "instant" | "run"; stepMs: number }[];
}

/** How requests are cut; defaults suit 1M samples/s from a few generators. */
export interface K6Tuning {
  maxSamplesPerRequest?: number;
  seriesCount?: number;
  maxLogBatchBytes?: number;
  streamsPerLogRequest?: number;
  writeTimeoutMs?: number;
  gracefulStopSec?: number;
}

export interface K6InputsOptions {
  contract: ContractView;
  profile: ProfileView;
  offered: OfferedRates;
  targets: K6Targets;
  suites: readonly SuiteView[];
  runStartedAtMs: number;
  /** `--duration`: replaces the profile's load and query durations. */
  durationMs?: number;
  tuning?: K6Tuning;
}

const DEFAULT_TUNING: Required<K6Tuning> = {
  maxSamplesPerRequest: 2_000,
  seriesCount: 100_000,
  maxLogBatchBytes: 512 * 1024,
  streamsPerLogRequest: 4,
  writeTimeoutMs: 10_000,
  gracefulStopSec: 5,
};

/** Stream labels of the Loki shape: the values the LogQL suite selects on; `format` picks xk6-loki's line format. */
export const LOKI_PUSH_LABELS: Readonly<Record<string, string[]>> = {
  format: ["json", "apache_common"],
  namespace: ["ecomm-prod"],
  service: ["frontend", "cart", "payment", "shipping"],
  level: ["info", "warn", "error"],
};

/**
 * The JSON every k6 script reads (scripts/inputs-shape.ts): the offered rates cut into
 * constant-arrival-rate scenarios, and thresholds derived from the contract (never written in a
 * script). A shape whose receiver is not in the stack is left out and named in `unavailable`.
 */
export function buildK6Inputs(options: K6InputsOptions): K6Inputs {
  const { contract, profile, offered, targets, suites, runStartedAtMs } = options;
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  const override = options.durationMs === undefined ? undefined : { file: "command line", field: "--duration" };
  const loadSec = seconds(options.durationMs ?? profile.load.durationMs, override ?? { file: contract.file, field: `profiles.${profile.name}.load.duration` });
  const querySec = seconds(
    options.durationMs ?? profile.query.durationMs,
    override ?? { file: contract.file, field: `profiles.${profile.name}.query.duration` },
  );
  const shapes: K6Shapes = {};
  const unavailable: Partial<Record<ShapeName, string>> = {};

  if (targets.remoteWrite.available) {
    const ratePerSec = Math.max(1, Math.ceil(offered.metricsSamplesPerSec / tuning.maxSamplesPerRequest));
    const samplesPerRequest = Math.max(1, Math.round(offered.metricsSamplesPerSec / ratePerSec));
    shapes["remote-write"] = {
      url: targets.remoteWrite.url,
      receiver: targets.remoteWrite.receiver,
      offeredSamplesPerSec: ratePerSec * samplesPerRequest,
      samplesPerRequest,
      seriesCount: Math.max(tuning.seriesCount, samplesPerRequest),
      arrival: arrival(ratePerSec, loadSec, tuning.writeTimeoutMs),
      timeoutMs: tuning.writeTimeoutMs,
      ...writeThresholds(contract, "remote-write"),
    };
  } else unavailable["remote-write"] = targets.remoteWrite.reason;

  if (targets.lokiPush.available) {
    const ratePerSec = Math.max(1, Math.ceil(offered.logsBytesPerSec / tuning.maxLogBatchBytes));
    const batchBytes = offered.logsBytesPerSec / ratePerSec;
    shapes["loki-push"] = {
      baseUrl: targets.lokiPush.baseUrl,
      offeredBytesPerSec: Math.round(offered.logsBytesPerSec),
      // xk6-loki draws the size in [min, max): max must exceed min.
      batchBytes: { min: Math.max(1, Math.floor(batchBytes * 0.9)), max: Math.ceil(batchBytes * 1.1) + 1 },
      streamsPerRequest: tuning.streamsPerLogRequest,
      labels: structuredClone(LOKI_PUSH_LABELS) as Record<string, string[]>,
      arrival: arrival(ratePerSec, loadSec, tuning.writeTimeoutMs),
      timeoutMs: tuning.writeTimeoutMs,
      ...writeThresholds(contract, "loki-push"),
    };
  } else unavailable["loki-push"] = targets.lokiPush.reason;

  if (targets.otlpGrpc.available) {
    const spansPerTrace = CHECKOUT_TRACE_SPANS.length;
    const ratePerSec = Math.max(1, Math.round(offered.tracesSpansPerSec / spansPerTrace));
    shapes["otlp-traces"] = {
      endpoint: targets.otlpGrpc.endpoint,
      receiver: targets.otlpGrpc.receiver,
      offeredSpansPerSec: ratePerSec * spansPerTrace,
      spansPerTrace,
      arrival: arrival(ratePerSec, loadSec, tuning.writeTimeoutMs),
      ...writeThresholds(contract, "otlp-traces"),
    };
  } else unavailable["otlp-traces"] = targets.otlpGrpc.reason;

  const queries: K6Query[] = [];
  const skipped: string[] = [];
  for (const suite of suites) {
    const target = targets.query[suite.language];
    if (!target.available) {
      skipped.push(`${suite.language}: ${target.reason}`);
      continue;
    }
    for (const q of suite.queries)
      queries.push({ language: suite.language, name: q.name, expr: q.expr, range: q.range, stepMs: q.stepMs, baseUrl: target.baseUrl });
  }
  if (queries.length > 0) {
    const languages = [...new Set(queries.map((q) => q.language))];
    const slowestTargetMs = Math.max(...languages.map((l) => contract.targets[`latency.query.${l}`].value));
    shapes["query-load"] = {
      users: Math.max(profile.query.users, contract.targets["query.concurrentUsers"].value),
      durationSec: querySec,
      queries,
      // Twice the slowest target: a query past it already fails; waiting longer says nothing more.
      timeoutMs: 2 * slowestTargetMs,
      ...queryThresholds(contract, languages),
    };
  } else unavailable["query-load"] = skipped.length > 0 ? skipped.join("; ") : "no query suite given";
  if (queries.length > 0 && skipped.length > 0) unavailable["query-load"] = `partly: ${skipped.join("; ")}`;

  return {
    schema: K6_INPUTS_SCHEMA,
    contract: { file: contract.file, version: contract.version },
    profile: profile.name,
    runStartedAtMs,
    gracefulStopSec: tuning.gracefulStopSec,
    shapes,
    unavailable,
  };
}

/** VUs to hold the rate when each request takes up to the timeout, bounded so a stalled receiver cannot spawn thousands. */
function arrival(ratePerSec: number, durationSec: number, timeoutMs: number): ArrivalRate {
  const preAllocatedVUs = Math.max(2, Math.ceil(ratePerSec / 4));
  const maxVUs = Math.max(preAllocatedVUs, Math.min(Math.ceil((ratePerSec * timeoutMs) / 1000), 1_000));
  return { ratePerSec, durationSec, preAllocatedVUs, maxVUs };
}

/** k6 scenarios run whole seconds; a sub-second duration is bad input, not a silent round-up. */
function seconds(ms: number, at: InputLocation): number {
  if (!Number.isFinite(ms) || ms < 1000) throw new InputError(at, "a duration of at least 1s for a k6 scenario", `${ms}ms`);
  return Math.round(ms / 1000);
}
