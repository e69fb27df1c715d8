import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { QueryResult } from "../../stack/clients/prometheus-parse.ts";
import type { QuerySuite } from "../query-suite.ts";
import { compareQueryResults, promqlEquivalenceCheck } from "./promql-equivalence.ts";

const T = 1_795_555_500_000;
const up = (job: string, value: number, extra: Record<string, string> = {}) => ({ metric: { job, ...extra }, timeMs: T, value });
const vector = (...result: ReturnType<typeof up>[]): QueryResult => ({ resultType: "vector", result });

describe("compareQueryResults", () => {
  it("should find no difference within the relative tolerance, with the candidate's external labels ignored", () => {
    const reference = vector(up("node", 0.1), up("loki", 1));
    const candidate = vector(up("loki", 1, { cluster: "obsconf" }), up("node", 0.1 * (1 + 1e-7), { cluster: "obsconf" }));
    expect(compareQueryResults(reference, candidate, { ignoreLabels: ["cluster"] })).toEqual([]);
  });

  it("should name a value outside the tolerance, a missing and an extra series", () => {
    const differences = compareQueryResults(vector(up("node", 0.1), up("loki", 1)), vector(up("node", 0.2), up("tempo", 1)));
    expect(differences.map((d) => d.detail)).toEqual([
      `{job="node"} at ${new Date(T).toISOString()}: expected 0.1, saw 0.2`,
      `{job="loki"} (1 samples) is missing`,
      `{job="tempo"} (1 samples) is not in the reference`,
    ]);
  });

  it("should leave out, on both sides, only the series every pair of an exclusion matches", () => {
    const reference = vector(up("trigger", 5, { status: "500" }), up("trigger", 1, { status: "200" }), up("node", 1));
    const candidate = vector(up("trigger", 1, { status: "200" }), up("node", 1));
    const excludeSeries = [{ match: { job: "trigger", status: "500" }, why: "backdated" }];
    expect(compareQueryResults(reference, candidate, { excludeSeries })).toEqual([]);
    expect(compareQueryResults(reference, vector(up("node", 1)), { excludeSeries }).map((d) => d.detail)).toEqual([
      `{job="trigger", status="200"} (1 samples) is missing`,
    ]);
  });

  it("should treat NaN as equal only to NaN and compare matrix timestamps before values", () => {
    expect(compareQueryResults(vector(up("a", Number.NaN)), vector(up("a", Number.NaN)))).toEqual([]);
    expect(compareQueryResults(vector(up("a", Number.NaN)), vector(up("a", 0)))).toHaveLength(1);
    const matrix = (times: number[]): QueryResult => ({
      resultType: "matrix",
      result: [{ metric: { job: "a" }, samples: times.map((timeMs) => ({ timeMs, value: 1 })) }],
    });
    expect(compareQueryResults(matrix([T, T + 15_000]), matrix([T]))).toEqual([
      { kind: "timestamps", series: `{job="a"}`, detail: `{job="a"}: expected 2 samples at [${T},${T + 15_000}], saw 1 at [${T}]` },
    ]);
    expect(compareQueryResults(matrix([T]), vector(up("a", 1)))).toEqual([{ kind: "result-type", detail: "expected resultType matrix, saw vector" }]);
  });
});

/** A Prometheus-API stub answering every query with `answer(expr)` (a vector at the requested time). */
async function stubPrometheus(answer: (expr: string) => { metric: Record<string, string>; value: number }[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const expr = url.searchParams.get("query") ?? "";
    const time = Number(url.searchParams.get("time") ?? url.searchParams.get("end"));
    const range = url.pathname.endsWith("query_range");
    const result = answer(expr).map(({ metric, value }) => (range ? { metric, values: [[time, String(value)]] } : { metric, value: [time, String(value)] }));
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "success", data: { resultType: range ? "matrix" : "vector", result } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const SUITE: QuerySuite = {
  file: "test",
  language: "promql",
  queries: [
    { name: "targets-up", expr: "sum by (job) (up)", range: "instant", stepMs: 15_000 },
    { name: "targets-up-over-run", expr: "sum by (job) (up)", range: "run", stepMs: 15_000 },
  ],
};

describe("promqlEquivalenceCheck", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });
  const clients = async (reference: Parameters<typeof stubPrometheus>[0], candidate: Parameters<typeof stubPrometheus>[0]) => {
    const [a, b] = await Promise.all([stubPrometheus(reference), stubPrometheus(candidate)]);
    servers.push(a.server, b.server);
    return { reference: new PrometheusClient({ baseUrl: a.url }), candidate: new PrometheusClient({ baseUrl: `${b.url}/prometheus` }) };
  };
  const prometheus = () => [
    { metric: { job: "node" }, value: 1 },
    { metric: { job: "loki" }, value: 1 },
  ];

  it("should pass when the long-term store answers every query like Prometheus", async () => {
    const { reference, candidate } = await clients(prometheus, () => prometheus().map((s) => ({ ...s, metric: { ...s.metric, cluster: "obsconf" } })));
    const result = await promqlEquivalenceCheck({
      reference,
      candidate,
      candidateName: "mimir",
      suite: SUITE,
      atMs: T,
      runStartMs: T - 60_000,
      ignoreLabels: ["cluster"],
    });
    expect([result.status, result.reason]).toEqual(["pass", undefined]);
    expect(result.evidence[0]!.text).toBe(
      `targets-up: instant at ${new Date(T).toISOString()} sum by (job) (up): 2 series on Prometheus, 2 on mimir; same answer`,
    );
  });

  it("should fail on a deliberately different answer (the negative control), naming the query and the difference", async () => {
    const { reference, candidate } = await clients(prometheus, () => [
      { metric: { job: "node" }, value: 1 },
      { metric: { job: "loki" }, value: 0 },
    ]);
    const result = await promqlEquivalenceCheck({ reference, candidate, candidateName: "stub", suite: SUITE, atMs: T, runStartMs: T - 60_000 });
    expect(result.status).toBe("fail");
    expect(result.reason).toBe("stub answered 2 of 2 queries differently from Prometheus: targets-up, targets-up-over-run");
    expect(result.evidence.map((e) => e.text)).toContain(`targets-up: {job="loki"} at ${new Date(T).toISOString()}: expected 1, saw 0`);
  });

  it("should be simulated through a stand-in whatever it answers, and an error when Prometheus returned nothing to compare", async () => {
    const same = await clients(prometheus, prometheus);
    const simulated = await promqlEquivalenceCheck({
      ...same,
      candidateName: "victoria-metrics",
      suite: SUITE,
      atMs: T,
      runStartMs: T - 60_000,
      simulatedBy: ["victoria-metrics (standing in for mimir)"],
    });
    expect([simulated.status, simulated.simulatedBy]).toEqual(["simulated", ["victoria-metrics (standing in for mimir)"]]);
    const different = await clients(prometheus, () => []);
    const standIn = await promqlEquivalenceCheck({
      ...different,
      candidateName: "victoria-metrics",
      suite: SUITE,
      atMs: T,
      runStartMs: T - 60_000,
      simulatedBy: ["victoria-metrics (standing in for mimir)"],
    });
    expect([standIn.status, standIn.reason]).toEqual([
      "simulated",
      "victoria-metrics answered 2 of 2 queries differently from Prometheus: targets-up, targets-up-over-run",
    ]);
    const empty = await clients(
      () => [],
      () => [],
    );
    const nothing = await promqlEquivalenceCheck({ ...empty, candidateName: "mimir", suite: SUITE, atMs: T, runStartMs: T - 60_000 });
    expect([nothing.status, nothing.reason]).toEqual([
      "error",
      `no suite query returned data on Prometheus at ${new Date(T).toISOString()}: nothing was compared`,
    ]);
  });
});
