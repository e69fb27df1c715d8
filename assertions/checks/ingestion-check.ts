import type { CanaryWrite } from "../../common/ledger.ts";
import type { Comparison } from "../canary/compare.ts";
import type { ContractTarget } from "../contract.ts";
import { distributionOf, type CheckResult, type Evidence } from "../run-result.ts";
import { base, meets, passOrSimulated, toTarget, type CheckIdentity } from "./check-builder.ts";

export interface IngestionCheckInput {
  identity: CheckIdentity;
  endedAtMs: number;
  target: ContractTarget;
  comparison: Comparison;
  /** Ledger entries of the stream, for the latency-over-time series. */
  writes: readonly CanaryWrite[];
  /** firstSeen per id, for the latency-over-time series. */
  firstSeenById: ReadonlyMap<string, number>;
  errorMarginMs: number;
  queries: readonly string[];
  simulatedBy?: readonly string[];
  /** Extra lines for the report (e.g. how the pull path's latency is bounded by the scrape interval). */
  notes?: readonly string[];
  /** The fewest latencies the p99 may rest on (the profile's `minSamples`); fewer is not a pass. */
  minSamples?: number;
}

/**
 * Write -> readable latency of a canary stream against the contract's ingestion target. Fails on
 * any missing, duplicate, out-of-order, late or unexpected canary, on no acknowledged write at all,
 * or when the p99 latency does not meet the target (every found canary's latency is in the evidence).
 */
export function ingestionCheck(input: IngestionCheckInput): CheckResult {
  const { comparison: c, target, identity } = input;
  const latencies = c.latenciesMs;
  const distribution = latencies.length ? distributionOf(latencies) : undefined;
  const problems: string[] = [];
  if (c.acked === 0) problems.push(`no write was acknowledged (${c.rejected} rejected, ${c.failed} failed)`);
  if (c.missing.length) problems.push(`missing: ${c.missing.length} acknowledged canaries never readable (seq ${c.missing.map((w) => w.seq).join(", ")})`);
  if (c.duplicate.length) problems.push(`duplicate: ${c.duplicate.map((o) => `${o.id} x${o.count}`).join(", ")}`);
  if (c.outOfOrder.length) problems.push(`out of order: seq ${c.outOfOrder.map((o) => o.seq).join(", ")}`);
  if (c.late.length) problems.push(`late (readable after ${target.value}ms): ${c.late.map((l) => `${l.id} after ${Math.round(l.latencyMs)}ms`).join(", ")}`);
  if (c.unexpected.length) problems.push(`unexpected: ${c.unexpected.map((o) => o.id).join(", ")}`);
  if (distribution && !meets(distribution.p99, target))
    problems.push(`p99 ${Math.round(distribution.p99)}ms does not meet ${target.comparator} ${target.value}ms`);
  if (input.minSamples !== undefined && c.acked > 0 && latencies.length < input.minSamples)
    problems.push(`the p99 rests on ${latencies.length} samples; the profile asks at least ${input.minSamples}`);
  const ok = problems.length === 0;
  const evidence: Evidence[] = [
    ...input.queries.map((text): Evidence => ({ kind: "query", text })),
    {
      kind: "note",
      text: `${c.acked} acknowledged, ${c.rejected} rejected, ${c.failed} failed; ${c.found} found, ${c.missing.length} missing, ${c.pending.length} pending, ${c.superseded.length} superseded`,
    },
    ...problems.map((text): Evidence => ({ kind: "note", text })),
    ...(input.notes ?? []).map((text): Evidence => ({ kind: "note", text })),
    ...rejectedSamples(input.writes),
  ];
  const byId = new Map(input.writes.map((w) => [w.id, w]));
  const points = [...input.firstSeenById]
    .flatMap(([id, seenAt]) => {
      const write = byId.get(id);
      return write ? [{ atMs: write.writtenAtMs, value: Math.max(0, seenAt - write.writtenAtMs) }] : [];
    })
    .sort((a, b) => a.atMs - b.atMs);
  return {
    ...base(identity, input.endedAtMs),
    status: passOrSimulated(ok, input.simulatedBy ?? []),
    ...(ok ? {} : { reason: problems.join("; ") }),
    target: toTarget(target),
    measured: {
      ...(distribution ? { value: Math.round(distribution.p99 * 10) / 10 } : {}),
      unit: "ms",
      ...(distribution ? { distribution } : {}),
      histogram: { unit: "ms", bucketUpperBounds: [...c.histogram.boundsMs], counts: [...c.histogram.counts] },
      series: [{ name: "write -> readable latency", unit: "ms", points }],
      errorMarginMs: Math.round(input.errorMarginMs * 10) / 10,
      note: "p99 compared with the target; latency = first time readable through the query API - write (or exposure) time",
    },
    evidence,
    ...(input.simulatedBy?.length ? { simulatedBy: [...input.simulatedBy] } : {}),
  };
}

function rejectedSamples(writes: readonly CanaryWrite[]): Evidence[] {
  const rejected = writes.filter((w) => w.outcome.kind !== "acked").slice(0, 3);
  return rejected.map((w) => ({
    kind: "sample" as const,
    atMs: w.writtenAtMs,
    text: `seq ${w.seq} ${w.outcome.kind}: ${w.outcome.kind === "rejected" ? `HTTP ${w.outcome.status} ${w.outcome.body}` : w.outcome.kind === "failed" ? w.outcome.error : ""}`,
  }));
}
