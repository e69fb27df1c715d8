/**
 * Availability from write+read probes sent at a fixed rate through a whole drill (pure).
 * A probe succeeds when its write was acknowledged and read back within the probe's timeout.
 */
export interface ProbeResult {
  seq: number;
  startedAtMs: number;
  endedAtMs: number;
  ok: boolean;
  /** Where a failed probe failed, and why. */
  failedAt?: "write" | "read";
  error?: string;
}

export interface ProbeOutage {
  fromMs: number;
  toMs: number;
  failed: number;
  firstError: string;
}

export interface Availability {
  probes: number;
  succeeded: number;
  failed: number;
  /** succeeded / probes * 100; undefined when no probe ran. */
  percent?: number;
  /** Consecutive failed probes, merged. */
  outages: ProbeOutage[];
}

export function availabilityOf(probes: readonly ProbeResult[]): Availability {
  const sorted = [...probes].sort((a, b) => a.startedAtMs - b.startedAtMs);
  const succeeded = sorted.filter((p) => p.ok).length;
  const outages: ProbeOutage[] = [];
  let current: ProbeOutage | undefined;
  for (const p of sorted) {
    if (p.ok) {
      if (current) outages.push(current);
      current = undefined;
      continue;
    }
    if (current === undefined)
      current = { fromMs: p.startedAtMs, toMs: p.endedAtMs, failed: 0, firstError: `${p.failedAt ?? "probe"}: ${p.error ?? "failed"}` };
    current.toMs = Math.max(current.toMs, p.endedAtMs);
    current.failed += 1;
  }
  if (current) outages.push(current);
  return {
    probes: sorted.length,
    succeeded,
    failed: sorted.length - succeeded,
    ...(sorted.length > 0 ? { percent: (succeeded / sorted.length) * 100 } : {}),
    outages,
  };
}

/** Probes whose start falls in [fromMs, toMs]. */
export function probesBetween(probes: readonly ProbeResult[], fromMs: number, toMs: number): ProbeResult[] {
  return probes.filter((p) => p.startedAtMs >= fromMs && p.startedAtMs <= toMs);
}
