// load/k6 never imports assertions/ (the caller passes what it loaded); these tests, in scenarios/, prove the two fit.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONTRACT_FILE, loadContract, offeredRates, parseContract, profileOf, type Contract } from "../../assertions/contract.ts";
import { loadQuerySuite, SUITES_DIR, type QuerySuite } from "../../assertions/query-suite.ts";
import { InputError } from "../../common/errors.ts";
import type { StackEndpoints } from "../../stack/started-stack.ts";
import { buildK6Inputs, type K6InputsOptions } from "../../load/k6/k6-inputs.ts";
import { k6TargetsFrom } from "../../load/k6/k6-targets.ts";
import type { ContractView } from "../../load/k6/k6-thresholds.ts";
import { K6_SCRIPTS_DIR } from "../../load/k6/k6-script-files.ts";

const endpoint = (port: number) => ({ host: "127.0.0.1", port, url: `http://127.0.0.1:${port}` });
const ALL_ENDPOINTS: StackEndpoints = {
  prometheus: { web: endpoint(19090) },
  loki: { http: endpoint(13100) },
  tempo: { http: endpoint(13200), "otlp-grpc": endpoint(14317) },
  "otel-collector": { "otlp-grpc": endpoint(24317) },
};
const STARTED_AT_MS = Date.parse("2026-01-01T00:00:00Z");

let suites: QuerySuite[];
beforeAll(async () => {
  suites = await Promise.all(["promql", "logql", "traceql"].map((l) => loadQuerySuite(`${SUITES_DIR}/${l}.yaml`, `assertions/suites/${l}.yaml`)));
});

function inputsFor(contract: Contract, overrides: Partial<K6InputsOptions> = {}) {
  const profile = profileOf(contract, "ci");
  return buildK6Inputs({
    contract,
    profile,
    offered: offeredRates(contract, profile),
    targets: k6TargetsFrom(ALL_ENDPOINTS),
    suites,
    runStartedAtMs: STARTED_AT_MS,
    ...overrides,
  });
}

/** The project's contract with some lines edited: a contract fixture that cannot drift from the real file. */
function editedContract(edits: readonly [string, string][]): Contract {
  let text = readFileSync(path.resolve(import.meta.dirname, "../../assertions/contract.yaml"), "utf8");
  for (const [from, to] of edits) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  return parseContract(text, "load/k6/fixture-contract.yaml");
}

describe("buildK6Inputs", () => {
  it("should accept the loaded contract as its contract view", () => {
    const view: ContractView = loadContract();
    expect(view.file).toBe(DEFAULT_CONTRACT_FILE);
  });

  it("should derive every threshold from the contract and name the target it came from", () => {
    const inputs = inputsFor(loadContract());
    expect(inputs.contract).toEqual({ file: "assertions/contract.yaml", version: "1.3.0" });
    expect(inputs.shapes["remote-write"]!.thresholds).toEqual({ "obsconf_push_failed{scenario:remote_write_at_offered_rate}": ["rate<0.001"] });
    expect(inputs.shapes["loki-push"]!.thresholds).toEqual({ "obsconf_push_failed{scenario:loki_push_at_offered_rate}": ["rate<0.001"] });
    expect(inputs.shapes["otlp-traces"]!.thresholds).toEqual({ "obsconf_push_failed{scenario:otlp_traces_at_offered_rate}": ["rate<0.001"] });
    const query = inputs.shapes["query-load"]!;
    expect(query.thresholds).toEqual({
      "http_req_duration{language:promql}": ["p(99)<5000"],
      "http_req_failed{language:promql}": ["rate<0.001"],
      "http_req_duration{language:logql}": ["p(99)<5000"],
      "http_req_failed{language:logql}": ["rate<0.001"],
      "http_req_duration{language:traceql}": ["p(99)<5000"],
      "http_req_failed{language:traceql}": ["rate<0.001"],
    });
    expect(query.sources["http_req_duration{language:logql}: p(99)<5000"]).toBe("assertions/contract.yaml#targets.latency.query.logql");
    expect(query.sources["http_req_failed{language:promql}: rate<0.001"]).toBe("assertions/contract.yaml#targets.availabilityPercent");
  });

  it("should change the thresholds when the contract's targets change", () => {
    const before = inputsFor(loadContract());
    const after = inputsFor(
      editedContract([
        ["promql: 5s", "promql: 2500ms"],
        ["traceql: 5s", "traceql: 8s"],
        ["availabilityPercent: 99.9", "availabilityPercent: 99.5"],
      ]),
    );
    expect(before.shapes["query-load"]!.thresholds["http_req_duration{language:promql}"]).toEqual(["p(99)<5000"]);
    expect(after.shapes["query-load"]!.thresholds["http_req_duration{language:promql}"]).toEqual(["p(99)<2500"]);
    expect(after.shapes["query-load"]!.thresholds["http_req_duration{language:logql}"]).toEqual(["p(99)<5000"]);
    expect(after.shapes["query-load"]!.thresholds["http_req_duration{language:traceql}"]).toEqual(["p(99)<8000"]);
    expect(after.shapes["query-load"]!.thresholds["http_req_failed{language:traceql}"]).toEqual(["rate<0.005"]);
    expect(after.shapes["remote-write"]!.thresholds).toEqual({ "obsconf_push_failed{scenario:remote_write_at_offered_rate}": ["rate<0.005"] });
    expect(after.shapes["query-load"]!.sources["http_req_duration{language:promql}: p(99)<2500"]).toBe(
      "load/k6/fixture-contract.yaml#targets.latency.query.promql",
    );
    // The query timeout follows the slowest target too.
    expect(after.shapes["query-load"]!.timeoutMs).toBe(16_000);
  });

  it("should cut the profile's offered rates into constant-arrival-rate scenarios", () => {
    const contract = loadContract();
    const inputs = inputsFor(contract);
    // ci: 0.005 x 1M samples/s, 1 x 1 GB/day, 0.05 x 10K spans/s, for 15 s; queries 10 users for 15 s.
    expect(inputs.shapes["remote-write"]).toMatchObject({
      url: "http://127.0.0.1:19090/api/v1/write",
      receiver: "prometheus",
      offeredSamplesPerSec: 5001,
      samplesPerRequest: 1667,
      seriesCount: 100_000,
      arrival: { ratePerSec: 3, durationSec: 15, preAllocatedVUs: 2, maxVUs: 30 },
    });
    expect(inputs.shapes["loki-push"]).toMatchObject({
      baseUrl: "http://127.0.0.1:13100",
      offeredBytesPerSec: 11574,
      batchBytes: { min: 10416, max: 12733 },
      arrival: { ratePerSec: 1, durationSec: 15 },
    });
    expect(inputs.shapes["otlp-traces"]).toMatchObject({
      endpoint: "127.0.0.1:24317",
      receiver: "otel-collector",
      spansPerTrace: 8,
      offeredSpansPerSec: 504,
      arrival: { ratePerSec: 63 },
    });
    const query = inputs.shapes["query-load"]!;
    expect(query.users).toBe(10);
    expect(query.durationSec).toBe(15);
    expect(query.queries.map((q) => `${q.language}:${q.name}`)).toEqual(suites.flatMap((s) => s.queries.map((q) => `${s.language}:${q.name}`)));
    expect(query.queries.find((q) => q.name === "error-logs")).toEqual({
      language: "logql",
      name: "error-logs",
      expr: '{level="error"}',
      range: "run",
      stepMs: 15_000,
      baseUrl: "http://127.0.0.1:13100",
    });

    const documented = profileOf(contract, "documented");
    const full = buildK6Inputs({
      contract,
      profile: documented,
      offered: offeredRates(contract, documented),
      targets: k6TargetsFrom(ALL_ENDPOINTS),
      suites,
      runStartedAtMs: STARTED_AT_MS,
    });
    expect(full.shapes["remote-write"]).toMatchObject({
      offeredSamplesPerSec: 1_000_000,
      samplesPerRequest: 2000,
      arrival: { ratePerSec: 500, durationSec: 1800, maxVUs: 1000 },
    });
    expect(full.shapes["otlp-traces"]).toMatchObject({ offeredSpansPerSec: 10_000, arrival: { ratePerSec: 1250 } });
  });

  it("should leave out a shape whose receiver is not in the stack and say why", () => {
    const inputs = inputsFor(loadContract(), { targets: k6TargetsFrom({ prometheus: { web: endpoint(19090) } }) });
    expect(Object.keys(inputs.shapes)).toEqual(["remote-write", "query-load"]);
    expect(inputs.unavailable).toEqual({
      "loki-push": "no loki http endpoint in the started stack",
      "otlp-traces": "no otel-collector or tempo otlp-grpc endpoint in the started stack",
      "query-load": "partly: logql: no loki http endpoint in the started stack; traceql: no tempo http endpoint in the started stack",
    });
    expect(inputs.shapes["query-load"]!.thresholds).toEqual({
      "http_req_duration{language:promql}": ["p(99)<5000"],
      "http_req_failed{language:promql}": ["rate<0.001"],
    });
  });

  it("should point remote write at Mimir's push path when asked, and traces at Tempo without a collector", () => {
    const targets = k6TargetsFrom({ mimir: { http: endpoint(19009) }, tempo: { "otlp-grpc": endpoint(14317) } }, { metricsReceiver: "mimir" });
    expect(targets.remoteWrite).toEqual({ available: true, url: "http://127.0.0.1:19009/api/v1/push", receiver: "mimir" });
    expect(targets.otlpGrpc).toEqual({ available: true, endpoint: "127.0.0.1:14317", receiver: "tempo" });
  });

  it("should take --duration for every scenario and refuse a sub-second one", () => {
    const inputs = inputsFor(loadContract(), { durationMs: 40_000 });
    expect(inputs.shapes["remote-write"]!.arrival.durationSec).toBe(40);
    expect(inputs.shapes["query-load"]!.durationSec).toBe(40);
    expect(() => inputsFor(loadContract(), { durationMs: 500 })).toThrow(
      new InputError({ file: "command line", field: "--duration" }, "a duration of at least 1s for a k6 scenario", "500ms"),
    );
  });
});

describe("k6 scripts", () => {
  it("should take their thresholds from the inputs, never write their own", () => {
    for (const script of ["remote-write.ts", "loki-push.ts", "otlp-traces.ts", "query-load.ts"]) {
      const text = readFileSync(path.join(K6_SCRIPTS_DIR, script), "utf8");
      expect(text.match(/thresholds:.*$/gm), script).toEqual(["thresholds: shape.thresholds,"]);
      expect(text, script).toMatch(/^export const options: Options = \{$/m);
    }
  });
});
