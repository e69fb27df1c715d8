/**
 * How the ceiling/live comparison of a metrics receiver is cut into slices (bench/README.md, stage (b)).
 *
 * Prometheus 2.42's own pace wanders by 2x over tens of seconds at a constant ~190 % of the 2 cores
 * (measured here with the replay alone, read every second: 200K-520K samples/s in runs of 10-30 s, while a
 * CPU-bound spin loop on the same machine held within 2 %). Two sides that take turns in 10 s slices then
 * sample different stretches of that wander: replaying that per-second trace through ABBA orders, the
 * share of two identical senders had a standard deviation of ~13 % with 10 s slices, ~5 % with 5 s and
 * ~2 % with 2 s (40 s per side). So slices are short, unless the counter must settle before each read
 * (VictoriaMetrics: 1.5 s of quiet per read), where short slices would spend most of the phase waiting
 * and whose pace moved by a few % only.
 */
export type SliceSide = "ceiling" | "live";

export interface SlicePlan {
  sliceMs: number;
  /** Slices per side; each side's slices add up to about `phaseMs`. */
  rounds: number;
  /** ABBA: round r runs ceiling then live when r is odd, live then ceiling when even. */
  order: SliceSide[];
}

export const SHORT_SLICE_MS = 2_000;
export const SETTLING_SLICE_MS = 10_000;

export function slicePlan({ phaseMs, settleQuietMs }: { phaseMs: number; settleQuietMs: number }): SlicePlan {
  const target = settleQuietMs > 0 ? SETTLING_SLICE_MS : SHORT_SLICE_MS;
  // An even number of rounds, at least 2, so the ABBA order ends balanced (each side leads as often).
  const rounds = Math.max(2, 2 * Math.round(phaseMs / target / 2));
  const sliceMs = Math.round(phaseMs / rounds);
  const order: SliceSide[] = [];
  for (let round = 1; round <= rounds; round++) order.push(...(round % 2 === 1 ? (["ceiling", "live"] as const) : (["live", "ceiling"] as const)));
  return { sliceMs, rounds, order };
}
