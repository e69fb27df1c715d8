import { describe, expect, it } from "vitest";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { Notification } from "../../assertions/alert-sink/notification.ts";
import { accountLoss } from "../../assertions/chaos/loss-accounting.ts";
import { createFault, parseFaultSpec } from "../../chaos/index.ts";
import { chaosTimeline } from "./chaos-timeline.ts";
import type { PhaseOutcome } from "./fault-phase.ts";

const T0 = 1_795_555_440_000;
const at = (seq: number) => T0 + seq * 500;
const acked = (seq: number): CanaryWrite => ({
  signal: "metrics",
  stream: "push",
  seq,
  id: String(seq),
  writtenAtMs: at(seq),
  outcome: { kind: "acked", ackedAtMs: at(seq) + 5 },
});
const failed = (seq: number): CanaryWrite => ({ ...acked(seq), outcome: { kind: "failed", atMs: at(seq) + 5, error: "ECONNREFUSED" } });

function phase(): PhaseOutcome {
  const writes = [0, 1, 2, 3].map(acked).concat([4, 5, 6].map(failed), [7, 8, 9].map(acked));
  const observations = [0, 1, 3, 7, 8, 9].map((s) => ({ id: String(s), seq: s, firstSeenAtMs: at(s) + 40, count: 1, order: s }));
  const accounting = accountLoss({ writes, observations, faultWindow: { fromMs: at(4), toMs: at(7) }, lateAfterMs: 1_000, readUntilMs: at(20) });
  const metrics = {
    signal: "metrics" as const,
    stream: "metrics" as const,
    inMemory: false,
    query: 'obsconf_canary_seq{obsconf_run="r-f0"}',
    simulatedBy: [],
    writes,
    observations,
    baselineP95Ms: 40,
    steadyLatencyMs: 540,
    steadyDerivation: "test",
    recovery: { recoveredAtMs: at(7) + 40, rtoMs: 1_540, recoveredBySeq: 7, steadyAtMs: at(7) + 40, timeToSteadyMs: 1_540, steadyFromSeq: 7 },
    accounting,
    readerStats: { queryErrors: 3, lastQueryError: undefined },
  };
  return {
    ...metrics,
    signals: [metrics],
    fault: createFault(parseFaultSpec("kill:prometheus", { file: "test" })),
    how: "SIGKILL",
    canaryRunId: "r-f0",
    phaseStartMs: T0,
    phaseEndMs: at(12),
    injectedAtMs: at(4),
    heal: { healedAtMs: at(7), readyAtMs: at(7) + 100 },
    observedUntilMs: at(10),
  };
}

describe("chaosTimeline", () => {
  const notification: Notification = { channel: "webhook", receiver: "webhook", receivedAtMs: at(6), status: "firing", alertNames: ["TargetDown"], raw: {} };
  const timeline = chaosTimeline({
    phases: [phase()],
    probes: [{ seq: 0, startedAtMs: at(5), endedAtMs: at(5) + 1_000, ok: false, failedAt: "write", error: "refused" }],
    notifications: [notification],
    fromMs: T0,
    toMs: at(12),
  });

  it("should carry load, probe and latency series on 1 s buckets", () => {
    expect(timeline.series.map((s) => [s.name, s.unit])).toEqual([
      ["canary writes acknowledged", "writes/s"],
      ["probes ok", "probes/s"],
      ["probes failed", "probes/s"],
      ["canary latency (write -> readable)", "ms"],
    ]);
    expect(timeline.series[0]!.points.slice(0, 4).map((p) => p.value)).toEqual([2, 2, 0, 1]);
    expect(timeline.series[2]!.points[2]).toEqual({ atMs: T0 + 2_000, value: 1 });
    expect(timeline.series[3]!.points.map((p) => p.value)).toEqual([40, 40, 40, 40, 40, 40]);
  });

  it("should mark the fault window and the events in time order, losses with their seqs", () => {
    expect(timeline.windows).toEqual([{ kind: "fault", label: "kill:prometheus", fromMs: at(4), toMs: at(7) }]);
    expect(timeline.events.map((e) => [e.atMs - T0, e.kind])).toEqual([
      [500, "loss"],
      [2_000, "fault-injected"],
      [2_000, "note"],
      [3_000, "alert"],
      [3_500, "fault-healed"],
      [3_540, "recovered"],
      [3_540, "steady"],
    ]);
    expect(timeline.events[0]!.label).toBe("kill:prometheus: lost acknowledged seq 2 (RPO window 500ms)");
    expect(timeline.events[3]!.label).toBe("webhook/webhook firing [TargetDown]");
  });

  it("should give every stream of a phase its latency series and its own recovery and steady events", () => {
    const p = phase();
    const metrics = p.signals[0]!;
    const kafka = {
      ...metrics,
      signal: "traces" as const,
      stream: "traces.kafka" as const,
      steadyLatencyMs: 2_000,
      recovery: { recoveredAtMs: at(9), rtoMs: at(9) - at(4), recoveredBySeq: 5, steadyAtMs: at(10), timeToSteadyMs: at(10) - at(4), steadyFromSeq: 8 },
    };
    const t = chaosTimeline({ phases: [{ ...p, signals: [metrics, kafka] }], probes: [], notifications: [], fromMs: T0, toMs: at(12) });
    expect(t.series.map((s) => s.name)).toEqual([
      "canary writes acknowledged",
      "probes ok",
      "probes failed",
      "canary latency (write -> readable)",
      "traces.kafka canary latency (write -> readable)",
    ]);
    expect(t.events.filter((e) => e.label.includes("traces.kafka")).map((e) => [e.kind, e.label])).toEqual([
      ["loss", "kill:prometheus: lost acknowledged traces.kafka seq 2 (RPO window 500ms)"],
      ["note", "kill:prometheus: 3 traces.kafka writes not acknowledged during the fault (rejected or failed: not loss)"],
      ["recovered", `kill:prometheus: first traces.kafka write acknowledged and read back (seq 5), RTO ${at(9) - at(4)}ms`],
      ["steady", "kill:prometheus: traces.kafka canary latency back under 2000ms (from seq 8)"],
    ]);
  });
});
