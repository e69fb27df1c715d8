import { check } from "k6";
import http from "k6/http";
import type { Options } from "k6/options";
import { SCENARIO_OF, type K6Query } from "./inputs-shape.ts";
import { readInputs, shapeOf } from "./read-inputs.ts";

/**
 * The PromQL, LogQL and TraceQL suites (assertions/suites/*.yaml, carried in the inputs) at the
 * contract's concurrent users. Closed model on purpose: the target is "< N s at U concurrent
 * users", so U virtual users each run the suites round-robin, one query at a time, as the
 * harness's own query load does (assertions/query-load.ts). Latency is `http_req_duration`
 * tagged by `language`; the thresholds select on that tag.
 */
const inputs = readInputs();
const shape = shapeOf(inputs, "query-load");

export const options: Options = {
  scenarios: {
    [SCENARIO_OF["query-load"]]: {
      executor: "constant-vus",
      exec: "runQuery",
      vus: shape.users,
      duration: `${shape.durationSec}s`,
      gracefulStop: `${inputs.gracefulStopSec}s`,
    },
  },
  thresholds: shape.thresholds,
  discardResponseBodies: true,
};

export function runQuery(): void {
  const query = shape.queries[(__VU - 1 + __ITER) % shape.queries.length]!;
  const res = http.get(queryUrl(query, Date.now()), {
    tags: { language: query.language, query: query.name, name: `${query.language}:${query.name}` },
    timeout: `${shape.timeoutMs}ms`,
  });
  check(res, { [`${query.language} query answered 200`]: (r) => r.status === 200 });
}

function queryUrl(query: K6Query, nowMs: number): string {
  const startMs = Math.min(inputs.runStartedAtMs, nowMs - query.stepMs);
  const q = encodeURIComponent(query.expr);
  const sec = (ms: number) => String(Math.floor(ms / 1000));
  const ns = (ms: number) => `${Math.floor(ms)}000000`;
  const step = `${query.stepMs / 1000}`;
  switch (query.language) {
    case "promql":
      return query.range === "run"
        ? `${query.baseUrl}/api/v1/query_range?query=${q}&start=${sec(startMs)}&end=${sec(nowMs)}&step=${step}`
        : `${query.baseUrl}/api/v1/query?query=${q}&time=${sec(nowMs)}`;
    case "logql":
      return query.range === "run"
        ? `${query.baseUrl}/loki/api/v1/query_range?query=${q}&start=${ns(startMs)}&end=${ns(nowMs)}&step=${step}&limit=100`
        : `${query.baseUrl}/loki/api/v1/query?query=${q}&time=${ns(nowMs)}&limit=100`;
    case "traceql":
      return query.range === "run"
        ? `${query.baseUrl}/api/search?q=${q}&start=${sec(startMs)}&end=${sec(nowMs)}&limit=20`
        : `${query.baseUrl}/api/search?q=${q}&limit=20`;
  }
}
