import { describe, expect, it } from "vitest";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { Observation } from "../canary/compare.ts";
import { parseContract } from "../contract.ts";
import { readFileSync } from "node:fs";
import { availabilityOf, type ProbeResult } from "./availability.ts";
import { availabilityCheck, deliveryCheck, rpoCheck, rtoCheck } from "./chaos-checks.ts";
import { accountLoss } from "./loss-accounting.ts";
import { recoveryOf } from "./recovery.ts";

const contract = parseContract(readFileSync(new URL("../contract.yaml", import.meta.url), "utf8"), "assertions/contract.yaml");
const T0 = 1_795_555_440_000;
const at = (seq: number) => T0 + seq * 250;
const acked = (seq: number): CanaryWrite => ({
  signal: "metrics",
  stream: "push",
  seq,
  id: String(seq),
  writtenAtMs: at(seq),
  outcome: { kind: "acked", ackedAtMs: at(seq) + 2 },
});
const seen = (seq: number): Observation => ({ id: String(seq), seq, firstSeenAtMs: at(seq) + 15, count: 1, order: seq });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const identity = { id: "chaos.ack-drop:prometheus.rpo.metrics", title: "RPO", pillar: "metrics" as const, startedAtMs: T0 };
const window = { fromMs: at(10), toMs: at(50) };

describe("rpoCheck", () => {
  it("should fail a silent ack-and-drop with the exact lost ids, even though the RPO is under the target (negative control)", () => {
    const accounting = accountLoss({
      writes: range(0, 59).map(acked),
      observations: [...range(0, 9), ...range(50, 59)].map(seen),
      faultWindow: window,
      lateAfterMs: 30_000,
    });
    const check = rpoCheck({
      identity,
      signal: "metrics",
      fault: "ack-drop:prometheus",
      accounting,
      target: contract.targets["rpo.metrics"],
      dataLossExpected: false,
      endedAtMs: at(60),
    });
    expect(check.status).toBe("fail");
    expect(check.reason).toBe("40 acknowledged writes lost although ack-drop:prometheus keeps the data: seq 10-49");
    expect(check.measured?.value).toBe(at(49) - at(9));
    expect(check.evidence).toContainEqual({ kind: "sample", text: "lost (acknowledged, never readable) seq: 10-49" });
    expect(check.target).toEqual({ comparator: "<", value: 300_000, unit: "ms", source: "assertions/contract.yaml#targets.rpo.metrics" });
  });

  it("should pass with RPO 0 when a kill lost nothing acknowledged, and count the refused writes apart", () => {
    const writes: CanaryWrite[] = [
      ...range(0, 9).map(acked),
      ...range(10, 20).map((seq): CanaryWrite => ({ ...acked(seq), outcome: { kind: "failed", atMs: at(seq) + 1, error: "ECONNREFUSED" } })),
      ...range(21, 30).map(acked),
    ];
    const accounting = accountLoss({ writes, observations: [...range(0, 9), ...range(21, 30)].map(seen), faultWindow: window, lateAfterMs: 30_000 });
    const check = rpoCheck({
      identity,
      signal: "metrics",
      fault: "kill:prometheus",
      accounting,
      target: contract.targets["rpo.metrics"],
      dataLossExpected: false,
      endedAtMs: at(31),
    });
    expect(check.status).toBe("pass");
    expect(check.measured?.value).toBe(0);
    expect(check.evidence).toContainEqual({ kind: "note", text: "not acknowledged during the fault (not loss): 11 (seq 10-20)" });
  });

  it("should hold a designed loss (data dir wiped) against the target and say when it reaches the canary's first write", () => {
    const accounting = accountLoss({ writes: range(0, 29).map(acked), observations: range(12, 29).map(seen), faultWindow: window, lateAfterMs: 30_000 });
    const check = rpoCheck({
      identity,
      signal: "metrics",
      fault: "restart-lose-data:prometheus",
      accounting,
      target: contract.targets["rpo.metrics"],
      dataLossExpected: true,
      endedAtMs: at(30),
    });
    expect(check.status).toBe("fail");
    expect(check.reason).toBe(
      "the loss reaches back to the canary's first write (seq 0): RPO is at least 2750ms and may reach further back than this drill can see",
    );
    expect(check.evidence).toContainEqual({ kind: "sample", text: "lost (acknowledged, never readable) seq: 0-11" });
  });

  it("should mark a check through a reference sink simulated, naming it", () => {
    const accounting = accountLoss({ writes: range(0, 5).map(acked), observations: range(0, 5).map(seen), faultWindow: window, lateAfterMs: 30_000 });
    const check = rpoCheck({
      identity,
      signal: "logs",
      fault: "kill:loki",
      accounting,
      target: contract.targets["rpo.logs"],
      dataLossExpected: false,
      endedAtMs: at(6),
      simulatedBy: ["loki-reference-sink (standing in for loki)"],
    });
    expect(check.status).toBe("simulated");
    expect(check.simulatedBy).toEqual(["loki-reference-sink (standing in for loki)"]);
  });
});

describe("rtoCheck", () => {
  const steady = { latencyMs: 500, derivation: "test" };
  it("should pass with the measured RTO and name the write that proved recovery", () => {
    const recovery = recoveryOf({ writes: range(0, 40).map(acked), observations: range(0, 40).map(seen), injectedAtMs: at(10), steadyLatencyMs: 500 });
    const check = rtoCheck({
      identity,
      fault: "pause:prometheus",
      injectedAtMs: at(10),
      healedAtMs: at(30),
      recovery,
      target: contract.targets.rto,
      steady,
      observedUntilMs: at(40),
      endedAtMs: at(41),
    });
    expect(check.status).toBe("pass");
    expect(check.measured?.value).toBe(15);
    expect(check.measured?.note).toBe("RTO = injection -> first write acknowledged and read back (seq 10); time to steady state 15ms");
  });

  it("should fail when no write after the fault was ever read back", () => {
    const recovery = recoveryOf({ writes: range(0, 40).map(acked), observations: range(0, 9).map(seen), injectedAtMs: at(10), steadyLatencyMs: 500 });
    const check = rtoCheck({
      identity,
      fault: "kill:prometheus",
      injectedAtMs: at(10),
      healedAtMs: at(30),
      recovery,
      target: contract.targets.rto,
      steady,
      observedUntilMs: at(40),
      endedAtMs: at(41),
    });
    expect(check.status).toBe("fail");
    expect(check.reason).toBe(`no write sent after the fault was acknowledged and read back by ${new Date(at(40)).toISOString()} (7500ms after injection)`);
  });
});

describe("availabilityCheck", () => {
  it("should fail below the contract's availability with probe counts as evidence", () => {
    const probes: ProbeResult[] = Array.from({ length: 100 }, (_, i) => ({
      seq: i,
      startedAtMs: T0 + i * 500,
      endedAtMs: T0 + i * 500 + 10,
      ok: i < 80 || i >= 98,
      ...(i >= 80 && i < 98 ? { failedAt: "read" as const, error: "timeout" } : {}),
    }));
    const check = availabilityCheck({
      identity: { ...identity, id: "chaos.availability" },
      availability: availabilityOf(probes),
      target: contract.targets.availabilityPercent,
      probeIntervalMs: 500,
      probeTimeoutMs: 1_000,
      perFault: [{ fault: "pause:prometheus", probes: 20, failed: 18 }],
      endedAtMs: T0 + 50_000,
    });
    expect(check.status).toBe("fail");
    expect(check.reason).toBe("82 of 100 probes succeeded (82.000 %), below 99.9 %");
    expect(check.evidence[0]).toEqual({ kind: "note", text: "during pause:prometheus: 18 of 20 probes failed" });
  });
});

describe("deliveryCheck", () => {
  const delivery = { id: "chaos.pause:kafka.delivery.traces.kafka", title: "Delivery", pillar: "traces" as const, startedAtMs: T0 };
  const target = contract.targets["latency.ingestion.traces"];
  // A broker paused from seq 40 (10 s) to seq 220 (55 s): the collector acknowledged every export and
  // delivered the queued canaries when the broker came back, each first seen at 55.3 s.
  const writes = range(0, 259).map((seq): CanaryWrite => ({ ...acked(seq), signal: "traces", stream: "kafka" }));
  const pausedSeen = (seq: number): Observation => (seq >= 40 && seq < 220 ? { ...seen(seq), firstSeenAtMs: at(221) + 50 } : seen(seq));

  it("should fail when a broker paused past the ingestion target made acknowledged canaries late, naming them (negative control)", () => {
    const accounting = accountLoss({
      writes,
      observations: range(0, 259).map(pausedSeen),
      faultWindow: { fromMs: at(40), toMs: at(220) },
      lateAfterMs: target.value,
    });
    const check = deliveryCheck({
      identity: delivery,
      fault: "pause:kafka",
      writes,
      accounting,
      target,
      injectedAtMs: at(40),
      healedAtMs: at(220),
      endedAtMs: at(260),
    });
    const late = range(40, 220).filter((seq) => at(221) + 50 - at(seq) > target.value);
    expect(late).toEqual(range(40, 101));
    expect(check.status).toBe("fail");
    expect(check.reason).toBe(
      `62 acknowledged canaries reached their destination later than 30000ms (worst seq 40: ${at(221) + 50 - at(40)}ms; the fault was held 45000ms): seq 40-101`,
    );
    expect(check.measured).toMatchObject({ value: at(221) + 50 - at(40), unit: "ms" });
    expect(check.target).toEqual({ comparator: "<", value: 30_000, unit: "ms", source: "assertions/contract.yaml#targets.latency.ingestion.traces" });
    expect(check.evidence).toContainEqual({
      kind: "note",
      text: "260 of 260 acknowledged canaries found, 62 of them later than 30000ms; 0 lost (judged by the RPO check)",
    });
    expect(check.evidence).toContainEqual({
      kind: "sample",
      text: `late: ${range(40, 59)
        .map((seq) => `seq ${seq} ${at(221) + 50 - at(seq)}ms`)
        .join(", ")}, ... (42 more)`,
    });
  });

  it("should pass when the same canaries arrive within the target after a shorter outage", () => {
    const shortSeen = (seq: number): Observation => (seq >= 40 && seq < 80 ? { ...seen(seq), firstSeenAtMs: at(81) } : seen(seq));
    const accounting = accountLoss({
      writes,
      observations: range(0, 259).map(shortSeen),
      faultWindow: { fromMs: at(40), toMs: at(80) },
      lateAfterMs: target.value,
    });
    const check = deliveryCheck({
      identity: delivery,
      fault: "pause:kafka",
      writes,
      accounting,
      target,
      injectedAtMs: at(40),
      healedAtMs: at(80),
      endedAtMs: at(260),
    });
    expect(check.status).toBe("pass");
    expect(check.measured?.value).toBe(at(81) - at(40));
  });
});
