import { HarnessError } from "../../common/errors.ts";
import type { LoadShape } from "./run-load.ts";

export interface GeneratorRate {
  /** Units (samples, line bytes, spans) produced per second on this one thread. */
  unitsPerSec: number;
  /** Body bytes per unit (compressed where the format compresses: what goes on the wire). */
  wireBytesPerUnit: number;
  units: number;
  requests: number;
  elapsedMs: number;
  /** CPU this process used while timing (≈ elapsed when the core was ours). */
  cpuMs: number;
}

/**
 * Generator-only rate: times the generator's own per-request work (`shape.next`: value fill, template
 * encode, compression), no network, to tell whether the generator or the receiver bounded a run.
 * Bounded by `durationMs` and `maxRequests`; a warm-up of min(durationMs / 10, 300) ms comes first.
 */
export function measureGeneratorRate(shape: LoadShape, { durationMs, maxRequests = 10_000_000 }: { durationMs: number; maxRequests?: number }): GeneratorRate {
  if (!(durationMs > 0)) throw new HarnessError(`measure generator rate: expected durationMs > 0, saw ${durationMs}`);
  const wallBase = Date.now();
  let slot = 0;
  const warmUpEnd = performance.now() + Math.min(durationMs / 10, 300);
  // Each body is released at once, as if its send had settled: the shape reuses bodies as it does under load.
  while (performance.now() < warmUpEnd && slot < maxRequests) shape.next(slot++, wallBase + slot).release?.();
  let units = 0;
  let bytes = 0;
  let requests = 0;
  const cpuAtStart = process.cpuUsage();
  const began = performance.now();
  let elapsedMs = 0;
  while (elapsedMs < durationMs && requests < maxRequests) {
    const batch = shape.next(slot++, wallBase + slot);
    units += batch.units;
    bytes += batch.body.length;
    batch.release?.();
    requests += 1;
    elapsedMs = performance.now() - began;
  }
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    unitsPerSec: (units * 1000) / elapsedMs,
    wireBytesPerUnit: units === 0 ? 0 : bytes / units,
    units,
    requests,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}
