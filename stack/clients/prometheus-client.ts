import { Agent, type Dispatcher } from "undici";
import { systemClock, type Clock } from "../../common/clock.ts";
import { PromApiError, quoteBody } from "./prom-api-error.ts";
import { RequestFailure, sendRequest, urlOf } from "./send-request.ts";
import {
  ShapeError,
  parseAlertmanagers,
  parseAlerts,
  parseConfigYaml,
  parseQueryResult,
  parseRules,
  parseSeries,
  parseStringMap,
  parseStrings,
  parseTargets,
  type ActiveTarget,
  type Alert,
  type BuildInfo,
  type Labels,
  type QueryResult,
  type RuleGroup,
} from "./prometheus-parse.ts";

/** Every call answers with its data and how long it took (request sent → body read), for latency checks. */
export interface PromResponse<T> {
  readonly data: T;
  readonly durationMs: number;
  readonly warnings: readonly string[];
}

export interface ReadyState {
  readonly ready: boolean;
  readonly status: number;
  readonly body: string;
}

export interface PrometheusClientOptions {
  /** API root: `http://127.0.0.1:9090` (Prometheus), `http://127.0.0.1:8080/prometheus` (Mimir), VictoriaMetrics' root. */
  baseUrl: string;
  /** Readiness URL; defaults to `<baseUrl>/-/ready`. Mimir's is `<host>/ready`, outside the `/prometheus` prefix. */
  readyUrl?: string;
  /** Per-request deadline for the whole exchange, headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra headers on every request, e.g. `X-Scope-OrgID` for a multi-tenant Mimir. */
  headers?: Readonly<Record<string, string>>;
  /** A shared dispatcher; by default the client owns a keep-alive Agent and `close()` closes it. */
  dispatcher?: Dispatcher;
  clock?: Clock;
  /** The component's `StartedStack.lifeSignal()`: once it dies, calls fail at once with errorType `component_died`. */
  lifeSignal?: AbortSignal;
}

export interface TimeRange {
  startMs: number;
  endMs: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Unix seconds as the API expects them: `1795555500`, `1795555500.123`, `15`. */
export function msToSeconds(ms: number): string {
  return String(ms / 1000);
}

/**
 * Typed client for the Prometheus HTTP API as Prometheus, Mimir and VictoriaMetrics serve it.
 * Failures (API errors, non-JSON bodies, timeouts, refused connections) throw `PromApiError`.
 */
export class PrometheusClient implements AsyncDisposable {
  readonly baseUrl: string;
  readonly readyUrl: string;
  readonly timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #clock: Clock;
  readonly #lifeSignal: AbortSignal | undefined;

  constructor({ baseUrl, readyUrl, timeoutMs = DEFAULT_TIMEOUT_MS, headers = {}, dispatcher, clock = systemClock, lifeSignal }: PrometheusClientOptions) {
    this.#lifeSignal = lifeSignal;
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.readyUrl = readyUrl ?? `${this.baseUrl}/-/ready`;
    this.timeoutMs = timeoutMs;
    this.#headers = headers;
    this.#dispatcher = dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 64 });
    this.#ownsDispatcher = dispatcher === undefined;
    this.#clock = clock;
  }

  query(expr: string, { timeMs }: { timeMs?: number } = {}): Promise<PromResponse<QueryResult>> {
    const params: [string, string][] = [["query", expr]];
    if (timeMs !== undefined) params.push(["time", msToSeconds(timeMs)]);
    return this.#api("/api/v1/query", params, parseQueryResult, { what: `PromQL query ${JSON.stringify(expr)}`, query: expr });
  }

  queryRange(expr: string, { startMs, endMs, stepMs }: TimeRange & { stepMs: number }): Promise<PromResponse<QueryResult>> {
    const params: [string, string][] = [
      ["query", expr],
      ["start", msToSeconds(startMs)],
      ["end", msToSeconds(endMs)],
      ["step", msToSeconds(stepMs)],
    ];
    return this.#api("/api/v1/query_range", params, parseQueryResult, { what: `PromQL range query ${JSON.stringify(expr)}`, query: expr });
  }

  series(matchers: readonly string[], range?: TimeRange): Promise<PromResponse<Labels[]>> {
    const params: [string, string][] = [...matchers.map((m): [string, string] => ["match[]", m]), ...rangeParams(range)];
    return this.#api("/api/v1/series", params, parseSeries, { what: `series query ${JSON.stringify(matchers)}`, query: matchers.join(", ") });
  }

  labelNames(range?: TimeRange): Promise<PromResponse<string[]>> {
    return this.#api("/api/v1/labels", rangeParams(range), (d) => parseStrings(d, "label names"));
  }

  labelValues(name: string, range?: TimeRange): Promise<PromResponse<string[]>> {
    return this.#api(`/api/v1/label/${encodeURIComponent(name)}/values`, rangeParams(range), (d) => parseStrings(d, "label values"));
  }

  targets(): Promise<PromResponse<ActiveTarget[]>> {
    return this.#api("/api/v1/targets", [["state", "active"]], parseTargets);
  }

  rules(): Promise<PromResponse<RuleGroup[]>> {
    return this.#api("/api/v1/rules", [], parseRules);
  }

  alerts(): Promise<PromResponse<Alert[]>> {
    return this.#api("/api/v1/alerts", [], parseAlerts);
  }

  /** URLs of the active Alertmanagers. */
  alertmanagers(): Promise<PromResponse<string[]>> {
    return this.#api("/api/v1/alertmanagers", [], parseAlertmanagers);
  }

  /** Command-line flags without leading dashes, e.g. `storage.tsdb.retention.time`. Mimir 2.9 answers `{}`. */
  flags(): Promise<PromResponse<Readonly<Record<string, string>>>> {
    return this.#api("/api/v1/status/flags", [], (d) => parseStringMap(d, "flags"));
  }

  /** The loaded configuration as YAML text. */
  config(): Promise<PromResponse<string>> {
    return this.#api("/api/v1/status/config", [], parseConfigYaml);
  }

  buildInfo(): Promise<PromResponse<BuildInfo>> {
    return this.#api("/api/v1/status/buildinfo", [], (d) => parseStringMap(d, "buildinfo") as unknown as BuildInfo);
  }

  /** Readiness as data: any HTTP answer is returned, only a failed exchange throws. */
  async ready(): Promise<PromResponse<ReadyState>> {
    const { status, body, durationMs } = await this.#send(this.readyUrl, { what: `GET ${new URL(this.readyUrl).pathname}` });
    return { data: { ready: status === 200, status, body }, durationMs, warnings: [] };
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #api<T>(
    path: string,
    params: readonly [string, string][],
    parse: (data: unknown) => T,
    context?: { what: string; query: string },
  ): Promise<PromResponse<T>> {
    const url = urlOf(this.baseUrl, path, params);
    const what = context?.what ?? `GET ${new URL(this.baseUrl + path).pathname}`;
    const { status, contentType, body, durationMs } = await this.#send(url, { what, query: context?.query });
    const fail = (errorType: string, error: string, cause?: unknown) =>
      new PromApiError({ what, status, errorType, error, query: context?.query, durationMs }, { cause });
    let envelope: { status?: unknown; data?: unknown; errorType?: unknown; error?: unknown; warnings?: unknown };
    try {
      envelope = JSON.parse(body) as typeof envelope;
    } catch (cause) {
      throw fail("bad_response", `expected a JSON API response, saw ${contentType || "no content type"} body ${quoteBody(body)}`, cause);
    }
    if (envelope?.status === "error") throw fail(String(envelope.errorType ?? "unknown"), String(envelope.error ?? ""));
    if (envelope?.status !== "success" || status < 200 || status > 299) {
      throw fail("bad_response", `expected {"status":"success"} with HTTP 2xx, saw ${quoteBody(body)}`);
    }
    try {
      const warnings = Array.isArray(envelope.warnings) ? envelope.warnings.map(String) : [];
      return { data: parse(envelope.data), durationMs, warnings };
    } catch (cause) {
      if (cause instanceof ShapeError) throw fail("bad_response", cause.message, cause);
      throw cause;
    }
  }

  async #send(url: string, { what, query }: { what: string; query?: string }) {
    const headers = { accept: "application/json", ...this.#headers };
    try {
      return await sendRequest(url, { headers, dispatcher: this.#dispatcher, timeoutMs: this.timeoutMs, lifeSignal: this.#lifeSignal, clock: this.#clock });
    } catch (failure) {
      if (!(failure instanceof RequestFailure)) throw failure;
      const errorType = ERROR_TYPE_OF_FAILURE[failure.kind];
      throw new PromApiError({ what, errorType, error: failure.withUrl, query, durationMs: failure.durationMs }, { cause: failure.cause });
    }
  }
}

/** The errorType a request that got no answer is reported with (Prometheus' own types are bad_data, execution, ...). */
const ERROR_TYPE_OF_FAILURE: Readonly<Record<RequestFailure["kind"], string>> = { died: "component_died", timeout: "request_timeout", transport: "transport" };

function rangeParams(range: TimeRange | undefined): [string, string][] {
  return range === undefined
    ? []
    : [
        ["start", msToSeconds(range.startMs)],
        ["end", msToSeconds(range.endMs)],
      ];
}
