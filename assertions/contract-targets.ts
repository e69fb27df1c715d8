import type { ContractFile } from "./contract-schema.ts";

/** How a measured value must relate to the target: `<` below, `>=` at least, `==` configured exactly. */
export type Comparator = "<" | ">=" | "==";
export type TargetUnit = "ms" | "users" | "samples/s" | "bytes/day" | "bytes/s" | "spans/s" | "percent";

/**
 * What every check compares against, and where it came from (for reports). Assignable to
 * run-result.ts `Target`.
 */
export interface ContractTarget {
  path: TargetPath;
  comparator: Comparator;
  value: number;
  unit: TargetUnit;
  /** `<contract file>#targets.<path>`, e.g. `assertions/contract.yaml#targets.latency.ingestion.metrics`. */
  source: string;
  /** The seed table and row, e.g. `Latency Requirements / Metrics ingestion: < 30 seconds`. */
  seedRow: string;
}

type Targets = ContractFile["targets"];
interface TargetSpec {
  comparator: Comparator;
  unit: TargetUnit;
  read: (t: Targets) => number;
  /** A derived target names the stated target it comes from instead of its own seed row. */
  derivedFrom?: string;
}

const below = (read: (t: Targets) => number): TargetSpec => ({ comparator: "<", unit: "ms", read });
const exactlyMs = (read: (t: Targets) => number): TargetSpec => ({ comparator: "==", unit: "ms", read });

/** The fixed meaning of every target: comparators and units are schema, not contract data. */
export const TARGET_SPECS = {
  "latency.ingestion.metrics": below((t) => t.latency.ingestion.metrics),
  "latency.ingestion.logs": below((t) => t.latency.ingestion.logs),
  "latency.ingestion.traces": below((t) => t.latency.ingestion.traces),
  "latency.query.promql": below((t) => t.latency.query.promql),
  "latency.query.logql": below((t) => t.latency.query.logql),
  "latency.query.traceql": below((t) => t.latency.query.traceql),
  "latency.query.grafana": below((t) => t.latency.query.grafana),
  "latency.alertDelivery": below((t) => t.latency.alertDelivery),
  "query.concurrentUsers": { comparator: ">=", unit: "users", read: (t) => t.query.concurrentUsers },
  "throughput.metricsSamplesPerSec": { comparator: ">=", unit: "samples/s", read: (t) => t.throughput.metricsSamplesPerSec },
  "throughput.logsBytesPerDay": { comparator: ">=", unit: "bytes/day", read: (t) => t.throughput.logsBytesPerDay },
  "throughput.logsBytesPerSec": {
    comparator: ">=",
    unit: "bytes/s",
    read: (t) => t.throughput.logsBytesPerDay / 86_400,
    derivedFrom: "throughput.logsBytesPerDay",
  },
  "throughput.tracesSpansPerSec": { comparator: ">=", unit: "spans/s", read: (t) => t.throughput.tracesSpansPerSec },
  "rpo.metrics": below((t) => t.rpo.metrics),
  "rpo.logs": below((t) => t.rpo.logs),
  "rpo.traces": below((t) => t.rpo.traces),
  rto: below((t) => t.rto),
  availabilityPercent: { comparator: ">=", unit: "percent", read: (t) => t.availabilityPercent },
  "retention.prometheus": exactlyMs((t) => t.retention.prometheus),
  "retention.loki": exactlyMs((t) => t.retention.loki),
  "scrapeInterval.prometheus": exactlyMs((t) => t.scrapeInterval.prometheus),
} satisfies Record<string, TargetSpec>;

export type TargetPath = keyof typeof TARGET_SPECS;
export const TARGET_PATHS = Object.keys(TARGET_SPECS) as TargetPath[];
/** The targets the contract file states (and so must name a seed row for); the rest are derived. */
export const STATED_TARGET_PATHS = TARGET_PATHS.filter((p) => !(TARGET_SPECS[p] as TargetSpec).derivedFrom);

export function resolveTargets(file: ContractFile, displayFile: string): Record<TargetPath, ContractTarget> {
  const entries = TARGET_PATHS.map((path): [TargetPath, ContractTarget] => {
    const spec: TargetSpec = TARGET_SPECS[path];
    const stated = spec.derivedFrom ?? path;
    const seedRow = file.seed.rows[stated]!;
    return [
      path,
      {
        path,
        comparator: spec.comparator,
        value: spec.read(file.targets),
        unit: spec.unit,
        source: `${displayFile}#targets.${stated}`,
        seedRow: spec.derivedFrom ? `${seedRow} (derived: bytes/day / 86400)` : seedRow,
      },
    ];
  });
  return Object.fromEntries(entries) as Record<TargetPath, ContractTarget>;
}
