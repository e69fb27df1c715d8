import { describe, expect, it } from "vitest";
import { loadContract } from "../contract.ts";
import { throughputCheck, throughputVerdict, type GeneratorFacts, type ReceiverFacts, type ThroughputCheckInput } from "./throughput-check.ts";

const contract = loadContract();
const metricsTarget = contract.targets["throughput.metricsSamplesPerSec"];

/** 5000 samples/s (ci: 0.005 x 1M) for 10 s, all sent on time and acknowledged. */
const generator = (over: Partial<GeneratorFacts> = {}): GeneratorFacts => ({
  offeredPerSec: 5000,
  windowMs: 10_000,
  offeredUnits: 50_000,
  acknowledgedUnits: 50_000,
  scheduled: 100,
  sent: 100,
  lateSends: 0,
  maxLagMs: 3,
  sends: { ok: 100, http4xx: 0, http429: 0, http5xx: 0, timeout: 0, network: 0, retries: 0 },
  cpuMs: 1_000,
  durationMs: 10_050,
  workers: 1,
  maxRssBytes: 80 * 1024 * 1024,
  ...over,
});
const receiver = (over: Partial<ReceiverFacts> = {}): ReceiverFacts => ({
  name: "prometheus",
  counter: "prometheus_tsdb_head_samples_appended_total",
  acceptedUnits: 50_000,
  drainMs: 40,
  simulatedBy: [],
  ...over,
});
const input = (over: Partial<ThroughputCheckInput> = {}): ThroughputCheckInput => ({
  identity: { id: "throughput.metrics", title: "Metrics throughput", pillar: "metrics", startedAtMs: 1_700_000_000_000 },
  endedAtMs: 1_700_000_011_000,
  signal: "metrics",
  unit: "samples",
  target: metricsTarget,
  offeredFraction: 0.005,
  profile: "ci",
  generator: generator(),
  receiver: receiver(),
  cores: 2,
  ...over,
});

describe("throughputVerdict", () => {
  it("should pass when the receiver accepted the scaled target over the offered window", () => {
    const v = throughputVerdict(input());
    expect(v).toEqual({ ok: true, acceptedPerSec: 5000, scaledTarget: 5000, boundBy: "none", why: [], signOffEligible: false });
  });

  it("should name the receiver when it refused sends while the generator kept its schedule", () => {
    const v = throughputVerdict(
      input({
        generator: generator({ acknowledgedUnits: 20_000, sends: { ok: 40, http4xx: 0, http429: 60, http5xx: 0, timeout: 0, network: 0, retries: 120 } }),
        receiver: receiver({ acceptedUnits: 20_000 }),
      }),
    );
    expect(v).toMatchObject({ ok: false, acceptedPerSec: 2000, boundBy: "receiver" });
    expect(v.why).toEqual(["receiver refused or did not answer 60 sends (429: 60, 5xx: 0, timeout: 0, network: 0)"]);
  });

  it("should treat late sends as back-pressure when the receiver timed out and the generator's CPU was idle", () => {
    const v = throughputVerdict(
      input({
        generator: generator({
          lateSends: 30,
          maxLagMs: 2_500,
          acknowledgedUnits: 30_000,
          sends: { ok: 60, http4xx: 0, http429: 0, http5xx: 0, timeout: 40, network: 0, retries: 0 },
        }),
        receiver: receiver({ acceptedUnits: 30_000 }),
      }),
    );
    expect(v.boundBy).toBe("receiver");
    expect(v.why).toEqual([
      "receiver refused or did not answer 40 sends (429: 0, 5xx: 0, timeout: 40, network: 0)",
      "receiver answered too slowly for the schedule (sends waited for in-flight ones while the generator's CPU was 10% of 1 core)",
      "30 of 100 sends late (30%, max lag 2500ms)",
    ]);
  });

  it("should name a receiver that answered every send but too slowly for the schedule, with the send latency", () => {
    const v = throughputVerdict(
      input({
        generator: generator({
          sent: 40,
          lateSends: 30,
          maxLagMs: 7_000,
          offeredUnits: 20_000,
          acknowledgedUnits: 20_000,
          sendLatencyMs: { p50: 77, p99: 1_177.6 },
          sends: { ok: 40, http4xx: 0, http429: 0, http5xx: 0, timeout: 0, network: 0, retries: 0 },
        }),
        receiver: receiver({ acceptedUnits: 20_000 }),
      }),
    );
    expect(v.boundBy).toBe("receiver");
    expect(v.why).toEqual([
      "receiver answered too slowly for the schedule (send latency p50 77ms, p99 1177.6ms; sends waited for in-flight ones while the generator's CPU was 10% of 1 core)",
      "offered 20000 units in the window, the target needs 50000",
      "60 of 100 scheduled sends never went out",
      "30 of 100 sends late (30%, max lag 7000ms)",
    ]);
  });

  it("should name the generator when it was configured below the target", () => {
    const v = throughputVerdict(
      input({ generator: generator({ offeredPerSec: 4000, offeredUnits: 40_000, acknowledgedUnits: 40_000 }), receiver: receiver({ acceptedUnits: 40_000 }) }),
    );
    expect(v).toMatchObject({ boundBy: "generator", why: ["offered 4000/s, below the target 5000/s"] });
  });

  it("should name the generator when it sent late with its CPU saturated and the receiver took everything it got", () => {
    const v = throughputVerdict(
      input({
        generator: generator({
          sent: 70,
          lateSends: 50,
          maxLagMs: 4_000,
          offeredUnits: 35_000,
          acknowledgedUnits: 35_000,
          cpuMs: 9_800,
          sends: { ok: 70, http4xx: 0, http429: 0, http5xx: 0, timeout: 0, network: 0, retries: 0 },
        }),
        receiver: receiver({ acceptedUnits: 35_000 }),
      }),
    );
    expect(v.boundBy).toBe("generator");
    expect(v.why).toEqual([
      "generator CPU 97.5% of 1 core (saturated at >= 90%)",
      "offered 35000 units in the window, the target needs 50000",
      "30 of 100 scheduled sends never went out",
      "50 of 100 sends late (50%, max lag 4000ms)",
    ]);
  });

  it("should say both when the generator's CPU was saturated and the receiver refused sends", () => {
    const v = throughputVerdict(
      input({
        generator: generator({
          cpuMs: 19_000,
          workers: 4,
          acknowledgedUnits: 40_000,
          sends: { ok: 80, http4xx: 0, http429: 0, http5xx: 20, timeout: 0, network: 0, retries: 0 },
        }),
        receiver: receiver({ acceptedUnits: 40_000 }),
      }),
    );
    expect(v.boundBy).toBe("both");
    expect(v.why).toEqual([
      "generator CPU 94.5% of 2 cores (saturated at >= 90%)",
      "receiver refused or did not answer 20 sends (429: 0, 5xx: 20, timeout: 0, network: 0)",
    ]);
  });

  it("should name the receiver when its counter shows fewer units than it acknowledged", () => {
    const v = throughputVerdict(input({ receiver: receiver({ acceptedUnits: 49_000 }) }));
    expect(v).toMatchObject({ ok: false, boundBy: "receiver", why: ["receiver counted 49000 units but acknowledged 50000"] });
  });

  it("should be undetermined, saying so, when no side shows a cause (every send 2xx, yet fewer units acknowledged than offered)", () => {
    const v = throughputVerdict(input({ generator: generator({ acknowledgedUnits: 40_000 }), receiver: receiver({ acceptedUnits: 45_000 }) }));
    expect(v).toMatchObject({ ok: false, acceptedPerSec: 4000, boundBy: "undetermined" });
    expect(v.why[0]).toBe("accepted 40000 of 50000 offered units with every send answered 2xx on time; the generator acknowledged only 40000");
  });

  it("should not let other writers into the receiver (canaries) make up for load it lost", () => {
    const v = throughputVerdict(
      input({
        generator: generator({ acknowledgedUnits: 47_500, sends: { ok: 95, http4xx: 0, http429: 0, http5xx: 5, timeout: 0, network: 0, retries: 5 } }),
        receiver: receiver({ acceptedUnits: 51_000 }),
      }),
    );
    expect(v).toMatchObject({
      ok: false,
      acceptedPerSec: 4750,
      boundBy: "receiver",
      why: ["receiver refused or did not answer 5 sends (429: 0, 5xx: 5, timeout: 0, network: 0)"],
    });
  });

  it("should fail a zero-length window rather than divide by zero", () => {
    expect(throughputVerdict(input({ generator: generator({ windowMs: 0 }) }))).toMatchObject({ ok: false, acceptedPerSec: 0 });
  });

  it("should be eligible for sign-off only at offeredFraction 1", () => {
    expect(
      throughputVerdict(
        input({
          offeredFraction: 1,
          generator: generator({ offeredPerSec: 1e6, offeredUnits: 1e7, acknowledgedUnits: 1e7 }),
          receiver: receiver({ acceptedUnits: 1e7 }),
        }),
      ),
    ).toMatchObject({ ok: true, scaledTarget: 1e6, signOffEligible: true });
  });
});

describe("throughputCheck", () => {
  it("should state the scaled and the documented target, offered, accepted and the generator's CPU and RSS", () => {
    const check = throughputCheck(input());
    expect(check.status).toBe("pass");
    expect(check.reason).toBe("accepted 5000 samples/s >= target 5000 samples/s (offered 5000 samples/s; generator CPU 10% of a core, RSS 80 MB)");
    expect(check.target).toEqual({
      comparator: ">=",
      value: 5000,
      unit: "samples/s",
      source: "assertions/contract.yaml#targets.throughput.metricsSamplesPerSec x profiles.ci.load.offeredFraction.metrics (0.005)",
    });
    expect(check.measured).toMatchObject({ value: 5000, unit: "samples/s" });
    expect(check.evidence.map((e) => e.text)).toEqual([
      "target: 5000 samples/s = documented 1000000 samples/s x profile ci offeredFraction.metrics 0.005 (assertions/contract.yaml#targets.throughput.metricsSamplesPerSec; Throughput Capabilities / Metrics: 1M+ samples/sec)",
      "offered 5000 samples/s for 10s (50000 samples in 100 of 100 scheduled sends; 0 late, max lag 3ms)",
      "accepted 5000 samples/s at the receiver prometheus: prometheus_tsdb_head_samples_appended_total rose by 50000 over the window (+40ms for in-flight sends to settle), counted up to the 50000 the generator had acknowledged (other writers excluded)",
      "sends: 100 ok, 0 4xx, 0 429, 0 5xx, 0 timeout, 0 network, 0 retries; 50000 samples acknowledged",
      "generator: 1 worker, CPU 1000ms over 10.1s (10% of one core; 2 cores here), max RSS 80.0 MB",
      "bound: none, the receiver accepted at least the target",
      "the documented target is 1000000 samples/s; a run at offeredFraction 0.005 cannot sign off",
    ]);
  });

  it("should be simulated, naming the substitute, when a stand-in accepted the target", () => {
    const check = throughputCheck(
      input({ receiver: receiver({ name: "victoria-metrics (standing in for mimir)", simulatedBy: ["victoria-metrics (standing in for mimir)"] }) }),
    );
    expect(check.status).toBe("simulated");
    expect(check.simulatedBy).toEqual(["victoria-metrics (standing in for mimir)"]);
  });

  it("should fail, not simulate, when a stand-in fell short, with offered, accepted and the bound in the reason", () => {
    const check = throughputCheck(
      input({
        generator: generator({ acknowledgedUnits: 10_000, sends: { ok: 20, http4xx: 0, http429: 80, http5xx: 0, timeout: 0, network: 0, retries: 0 } }),
        receiver: receiver({ acceptedUnits: 10_000, simulatedBy: ["loki-reference-sink (standing in for loki)"] }),
      }),
    );
    expect(check.status).toBe("fail");
    expect(check.reason).toBe(
      "accepted 1000 samples/s < target 5000 samples/s (offered 5000 samples/s); bound by receiver: receiver refused or did not answer 80 sends (429: 80, 5xx: 0, timeout: 0, network: 0)",
    );
  });

  it("should state the documented target alone, from the contract, at fraction 1", () => {
    const logs = contract.targets["throughput.logsBytesPerSec"];
    const check = throughputCheck(
      input({
        signal: "logs",
        unit: "bytes",
        target: logs,
        offeredFraction: 1,
        generator: generator({ offeredPerSec: logs.value, offeredUnits: 120_000, acknowledgedUnits: 120_000 }),
        receiver: receiver({ acceptedUnits: 120_000 }),
      }),
    );
    expect(check.target).toEqual({ comparator: ">=", value: 11574.07, unit: "bytes/s", source: "assertions/contract.yaml#targets.throughput.logsBytesPerDay" });
    expect(check.evidence[0]!.text).toBe(
      "target: 11574.07 bytes/s (assertions/contract.yaml#targets.throughput.logsBytesPerDay; Throughput Capabilities / Logs: 1GB+/day (derived: bytes/day / 86400))",
    );
    expect(check.status).toBe("pass");
  });
});
