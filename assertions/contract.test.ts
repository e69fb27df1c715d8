import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../common/errors.ts";
import type { Target } from "./run-result.ts";
import { loadContract, parseContract, offeredRates, profileOf, requiredRoutes, TARGET_PATHS, targetFor } from "./contract.ts";

const fixture = (name: string) => `assertions/fixtures/contracts/${name}.yaml`;

function loadError(path: string): InputError {
  try {
    loadContract(path);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`${path} loaded without error`);
}

describe("loadContract", () => {
  it("should load the project's contract at version 1.3.0 with every seed target", () => {
    const contract = loadContract();
    expect(contract.version).toBe("1.3.0");
    expect(contract.file).toBe("assertions/contract.yaml");
    expect(targetFor(contract, "latency.ingestion.metrics")).toEqual({
      path: "latency.ingestion.metrics",
      comparator: "<",
      value: 30_000,
      unit: "ms",
      source: "assertions/contract.yaml#targets.latency.ingestion.metrics",
      seedRow: "Latency Requirements / Metrics ingestion: < 30 seconds",
    });
    const values = Object.fromEntries(
      TARGET_PATHS.map((p) => [p, `${targetFor(contract, p).comparator} ${targetFor(contract, p).value} ${targetFor(contract, p).unit}`]),
    );
    expect(values).toEqual({
      "latency.ingestion.metrics": "< 30000 ms",
      "latency.ingestion.logs": "< 30000 ms",
      "latency.ingestion.traces": "< 30000 ms",
      "latency.query.promql": "< 5000 ms",
      "latency.query.logql": "< 5000 ms",
      "latency.query.traceql": "< 5000 ms",
      "latency.query.grafana": "< 5000 ms",
      "latency.alertDelivery": "< 30000 ms",
      "query.concurrentUsers": ">= 10 users",
      "throughput.metricsSamplesPerSec": ">= 1000000 samples/s",
      "throughput.logsBytesPerDay": ">= 1000000000 bytes/day",
      "throughput.logsBytesPerSec": `>= ${1e9 / 86_400} bytes/s`,
      "throughput.tracesSpansPerSec": ">= 10000 spans/s",
      "rpo.metrics": "< 300000 ms",
      "rpo.logs": "< 60000 ms",
      "rpo.traces": "< 60000 ms",
      rto: "< 900000 ms",
      availabilityPercent: ">= 99.9 percent",
      "retention.prometheus": `== ${15 * 86_400_000} ms`,
      "retention.loki": `== ${30 * 86_400_000} ms`,
      "scrapeInterval.prometheus": "== 30000 ms",
    });
  });

  it("should hand out targets a RunResult check can carry", () => {
    const target: Target = targetFor(loadContract(), "latency.alertDelivery");
    expect(target).toMatchObject({ comparator: "<", value: 30_000, unit: "ms", source: "assertions/contract.yaml#targets.latency.alertDelivery" });
  });

  it("should name a seed row for every target, derived ones included", () => {
    const contract = loadContract();
    for (const path of TARGET_PATHS) expect(targetFor(contract, path).seedRow).not.toBe("");
    expect(targetFor(contract, "throughput.logsBytesPerSec").source).toBe("assertions/contract.yaml#targets.throughput.logsBytesPerDay");
  });

  it("should require the seed's alert routes: critical to pagerduty, warning to slack, critical summaries by email, the stack's warnings to the webhook", () => {
    const routes = requiredRoutes(loadContract()).map((r) => `${JSON.stringify(r.match)} -> ${r.channel}`);
    expect(routes).toEqual([
      '{"severity":"critical"} -> pagerduty',
      '{"severity":"warning"} -> slack',
      '{"severity":"critical"} -> email',
      '{"pillar":"stack","severity":"warning"} -> webhook',
    ]);
  });

  it("should give the documented profile the seed's numbers at scale 1.0", () => {
    const contract = loadContract();
    expect(offeredRates(contract, profileOf(contract, "documented"))).toEqual({
      metricsSamplesPerSec: 1_000_000,
      logsBytesPerSec: 1e9 / 86_400,
      tracesSpansPerSec: 10_000,
    });
    expect(profileOf(contract, "documented").query.users).toBeGreaterThanOrEqual(10);
  });

  it("should keep the ci profile small enough for a run well under 3 minutes on 2 cores", () => {
    const ci = profileOf(loadContract(), "ci");
    expect(ci.canaries).toEqual({ count: 20, intervalMs: 250, pullScrapes: 2, pullSeries: 10, minSamples: 20 });
    expect(ci.query).toEqual({ users: 10, durationMs: 15_000 });
    expect(ci.load.durationMs + ci.query.durationMs + ci.chaos.faultDurationMs + ci.chaos.observeAfterHealMs).toBeLessThan(180_000);
  });
});

describe("profileOf", () => {
  it("should reject an unknown profile, listing the known ones", () => {
    expect(() => profileOf(loadContract(), "fast")).toThrow(
      new InputError({ file: "assertions/contract.yaml", field: "profiles" }, "one of ci, small, documented", '"fast"'),
    );
    expect(() => profileOf(loadContract(), "fast")).toThrow('assertions/contract.yaml: field profiles: expected one of ci, small, documented, saw "fast"');
  });
});

describe("loadContract on malformed files", () => {
  const cases: [string, string][] = [
    ["bad-duration", 'field targets.latency.ingestion.metrics: expected a duration like "30s", saw "thirty"'],
    ["unsupported-version", 'field version: expected a semantic version 1.x.y (like "1.0.0"), saw "2.0.0"'],
    [
      "profile-with-latency",
      'field profiles.ci: expected only the keys description, canaries, query, load, chaos, alerts, kube (a profile scales volumes and durations, never targets), saw key "latency"',
    ],
    [
      "profile-with-rto",
      'field profiles.small.query: expected only the keys users, duration (a profile scales volumes and durations, never targets), saw key "rto"',
    ],
    ["too-few-users", "field profiles.ci.query.users: expected at least 10 users (targets.query.concurrentUsers; profiles never lower it), saw 5"],
    ["missing-seed-row", "field seed.rows.latency.ingestion.logs: expected the seed table and row for this target, saw nothing"],
    ["negative-throughput", "field targets.throughput.logsBytesPerDay: expected a positive number (bytes per day), saw -1"],
    [
      "documented-scaled",
      "field profiles.documented.load.offeredFraction.metrics: expected 1 (the documented profile runs the seed's numbers at scale 1.0), saw 0.5",
    ],
    ["missing-profile", "field profiles.small: expected the profile small (profiles ci, small, documented are required), saw nothing"],
    ["unknown-channel", 'field targets.alertRoutes[1].channel: expected one of pagerduty, slack, email, webhook, saw "teams"'],
    [
      "unknown-target-key",
      'field targets: expected only the keys latency, query, throughput, rpo, rto, availabilityPercent, retention, scrapeInterval, alertRoutes, saw key "errorBudget"',
    ],
    ["not-yaml", "expected valid YAML, saw BAD_INDENT at line 3"],
  ];
  it.each(cases)("should reject %s with the exact InputError text", (name, text) => {
    expect(loadError(fixture(name)).message).toBe(`${fixture(name)}: ${text}`);
  });

  it("should reject a profile carrying a latency target, naming the key in the error's fields", () => {
    const error = loadError(fixture("profile-with-latency"));
    expect(error.at).toEqual({ file: fixture("profile-with-latency"), field: "profiles.ci" });
    expect(error.seen).toBe('key "latency"');
  });

  it("should report a missing file as an InputError", () => {
    expect(loadError("assertions/fixtures/contracts/absent.yaml").message).toBe(
      "assertions/fixtures/contracts/absent.yaml: expected a readable contract file, saw ENOENT",
    );
  });
});

describe("profiles' kube.requestsScale", () => {
  const projectText = readFileSync("assertions/contract.yaml", "utf8");

  it("should scale requests on k3s for ci and small only, and refuse a scale on the documented profile or outside (0, 1]", () => {
    const contract = loadContract();
    expect([profileOf(contract, "ci").kube, profileOf(contract, "small").kube, profileOf(contract, "documented").kube]).toEqual([
      { requestsScale: 0.5 },
      { requestsScale: 0.75 },
      {},
    ]);
    const documented = projectText.replace(/(\n {2}documented:\n)/, "$1    kube: { requestsScale: 0.5 }\n");
    expect(() => parseContract(documented, "d.yaml")).toThrow(
      "d.yaml: field profiles.documented.kube.requestsScale: expected no scaled requests (the documented profile runs the containers as the manifests request them), saw 0.5",
    );
    expect(() => parseContract(projectText.replace("kube: { requestsScale: 0.5 }", "kube: { requestsScale: 2 }"), "big.yaml")).toThrow(
      "big.yaml: field profiles.ci.kube.requestsScale: expected a scale in (0, 1] of the manifests' CPU and memory requests, saw 2",
    );
  });
});

describe("regression bands", () => {
  const projectText = readFileSync("assertions/contract.yaml", "utf8");

  it("should read the project's bands in ms and percent, naming where they came from", () => {
    expect(loadContract().regression).toEqual({
      latencyP99: { increasePercent: 20, minIncreaseMs: 100 },
      throughput: { decreasePercent: 5 },
      availability: { decreasePoints: 0.05 },
      rpo: { increaseMs: 10_000 },
      rto: { increasePercent: 20, minIncreaseMs: 30_000 },
      source: "assertions/contract.yaml#regression",
    });
  });

  it("should load a contract without bands (report diff refuses it later) and reject a band of 0 %", () => {
    expect(parseContract(projectText.replace(/\nregression:\n(?: {2}.*\n|\s*#.*\n)+/, "\n"), "no-bands.yaml").regression).toBeUndefined();
    expect(() => parseContract(projectText.replace("throughput: { decreasePercent: 5 }", "throughput: { decreasePercent: 0 }"), "zero.yaml")).toThrow(
      "zero.yaml: field regression.throughput.decreasePercent: expected a percentage in (0, 100] (how much accepted units/s may drop), saw 0",
    );
  });
});
