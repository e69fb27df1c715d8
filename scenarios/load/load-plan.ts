import { offeredRates, type Contract, type ContractTarget, type Profile } from "../../assertions/contract.ts";
import type { ThroughputSignal, ThroughputUnit } from "../../assertions/checks/throughput-check.ts";

/** One signal's share of the load run: the documented target, the profile's fraction of it, the rate offered. */
export interface SignalLoad {
  signal: ThroughputSignal;
  unit: ThroughputUnit;
  /** The documented (contract) target, per second. */
  target: ContractTarget;
  offeredFraction: number;
  /** target x offeredFraction: what the generator offers. */
  offeredPerSec: number;
}

export interface LoadPlan {
  /** The profile as the run uses it: canaries cover the load window, query load fits inside it. */
  profile: Profile;
  durationMs: number;
  /** `profile ci (15s)` or `--duration 30s (profile ci says 15s)`, for the report. */
  durationSource: string;
  signals: readonly SignalLoad[];
}

/**
 * The rates of a load run, all read from the contract: each throughput target times the profile's
 * `load.offeredFraction` (logs: the bytes/day target as bytes/s). `--duration` replaces the profile's
 * load duration; canaries keep writing at the profile's interval for the whole window.
 */
export function planLoad(contract: Contract, profile: Profile, durationOverrideMs?: number): LoadPlan {
  const durationMs = durationOverrideMs ?? profile.load.durationMs;
  const rates = offeredRates(contract, profile);
  const fraction = profile.load.offeredFraction;
  const signals: SignalLoad[] = [
    {
      signal: "metrics",
      unit: "samples",
      target: contract.targets["throughput.metricsSamplesPerSec"],
      offeredFraction: fraction.metrics,
      offeredPerSec: rates.metricsSamplesPerSec,
    },
    {
      signal: "logs",
      unit: "bytes",
      target: contract.targets["throughput.logsBytesPerSec"],
      offeredFraction: fraction.logs,
      offeredPerSec: rates.logsBytesPerSec,
    },
    {
      signal: "traces",
      unit: "spans",
      target: contract.targets["throughput.tracesSpansPerSec"],
      offeredFraction: fraction.traces,
      offeredPerSec: rates.tracesSpansPerSec,
    },
  ];
  const seconds = (ms: number) => `${ms / 1000}s`;
  return {
    profile: {
      ...profile,
      load: { ...profile.load, durationMs },
      canaries: { ...profile.canaries, count: Math.max(1, Math.ceil(durationMs / profile.canaries.intervalMs)) },
      query: { ...profile.query, durationMs: Math.min(profile.query.durationMs, durationMs) },
    },
    durationMs,
    durationSource:
      durationOverrideMs === undefined
        ? `profile ${profile.name} (${seconds(durationMs)})`
        : `--duration ${seconds(durationMs)} (profile ${profile.name} says ${seconds(profile.load.durationMs)})`,
    signals,
  };
}
