import { Agent, type Dispatcher } from "undici";
import WebSocket from "ws";
import { systemClock, type Clock } from "../../common/clock.ts";
import { RequestFailure, sendRequest, urlOf } from "./send-request.ts";
import { HarnessError } from "../../common/errors.ts";

/** A log stream as the client hands it out: labels and `[ns-string, line]` entries in the order Loki sent them. */
export interface LokiStream {
  labels: Record<string, string>;
  entries: { tsNs: string; line: string }[];
}

export type LokiQueryData =
  | { resultType: "streams"; streams: LokiStream[] }
  | { resultType: "matrix"; series: { labels: Record<string, string>; points: { timeMs: number; value: number }[] }[] }
  | { resultType: "vector"; samples: { labels: Record<string, string>; timeMs: number; value: number }[] };

/** Every call answers with its data and how long it took (request sent -> body read). */
export interface LokiResponse<T> {
  data: T;
  durationMs: number;
}

export interface LokiClientOptions {
  /** Loki's root, e.g. `http://127.0.0.1:3100` (real Loki or the reference sink). */
  baseUrl: string;
  /** Per-request deadline for the whole exchange, headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Sent as `X-Scope-OrgID` on every request and tail. */
  tenant?: string;
  /** Extra headers on every request and tail (an attached stack's credentials). */
  headers?: Readonly<Record<string, string>>;
  /** A shared dispatcher; by default the client owns a keep-alive Agent and `close()` closes it. */
  dispatcher?: Dispatcher;
  clock?: Clock;
  /** The component's `StartedStack.lifeSignal()`: once it dies, calls fail at once naming the death (cause: ComponentDiedError). */
  lifeSignal?: AbortSignal;
}

/** How many characters of a response body an error message quotes. */
const BODY_QUOTE_CHARS = 300;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Why a Loki API call did not yield data: `LogQL query "<q>" failed: HTTP 400: parse error at line 1, col
 * 20: ...`. Loki answers errors in plain text (even when its Content-Type says JSON), so `body` is the raw
 * text and the message quotes it trimmed. `status` is undefined when no HTTP answer came (timeout, refused).
 */
export class LokiApiError extends HarnessError {
  readonly what: string;
  readonly status: number | undefined;
  readonly body: string;
  readonly query: string | undefined;
  readonly durationMs: number;

  constructor(init: { what: string; status?: number; body?: string; error?: string; query?: string; durationMs: number }, options?: { cause?: unknown }) {
    const body = init.body ?? "";
    const detail = init.error ?? clip(body.trim());
    super(`${init.what} failed: ${init.status === undefined ? detail : `HTTP ${init.status}: ${detail}`}`, options);
    this.what = init.what;
    this.status = init.status;
    this.body = body;
    this.query = init.query;
    this.durationMs = init.durationMs;
  }
}

/** Typed client for the Loki HTTP API (2.8 shapes): queries, labels, series, readiness and WebSocket tail. */
export class LokiClient implements AsyncDisposable {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #clock: Clock;
  readonly #lifeSignal: AbortSignal | undefined;

  constructor({ baseUrl, timeoutMs = DEFAULT_TIMEOUT_MS, tenant, headers = {}, dispatcher, clock = systemClock, lifeSignal }: LokiClientOptions) {
    this.#lifeSignal = lifeSignal;
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.timeoutMs = timeoutMs;
    this.#headers = { ...headers, ...(tenant === undefined ? {} : { "X-Scope-OrgID": tenant }) };
    this.#dispatcher = dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 64 });
    this.#ownsDispatcher = dispatcher === undefined;
    this.#clock = clock;
  }

  queryRange(
    query: string,
    o: { startNs: string; endNs: string; limit?: number; direction?: "forward" | "backward"; stepMs?: number },
  ): Promise<LokiResponse<LokiQueryData>> {
    const params: [string, string][] = [
      ["query", query],
      ["start", o.startNs],
      ["end", o.endNs],
    ];
    if (o.limit !== undefined) params.push(["limit", String(o.limit)]);
    if (o.direction !== undefined) params.push(["direction", o.direction]);
    if (o.stepMs !== undefined) params.push(["step", String(o.stepMs / 1000)]);
    return this.#api("/loki/api/v1/query_range", params, parseQueryData, { what: `LogQL query ${JSON.stringify(query)}`, query });
  }

  query(query: string, o: { timeNs?: string; limit?: number } = {}): Promise<LokiResponse<LokiQueryData>> {
    const params: [string, string][] = [["query", query]];
    if (o.timeNs !== undefined) params.push(["time", o.timeNs]);
    if (o.limit !== undefined) params.push(["limit", String(o.limit)]);
    return this.#api("/loki/api/v1/query", params, parseQueryData, { what: `LogQL query ${JSON.stringify(query)}`, query });
  }

  labels(): Promise<LokiResponse<string[]>> {
    return this.#api("/loki/api/v1/labels", [], (d) => parseStrings(d, "label names"));
  }

  labelValues(name: string): Promise<LokiResponse<string[]>> {
    return this.#api(`/loki/api/v1/label/${encodeURIComponent(name)}/values`, [], (d) => parseStrings(d, "label values"));
  }

  series(matchers: string[], o: { startNs?: string; endNs?: string } = {}): Promise<LokiResponse<Record<string, string>[]>> {
    const params: [string, string][] = matchers.map((m): [string, string] => ["match[]", m]);
    if (o.startNs !== undefined) params.push(["start", o.startNs]);
    if (o.endNs !== undefined) params.push(["end", o.endNs]);
    return this.#api("/loki/api/v1/series", params, parseSeries, { what: `series query ${JSON.stringify(matchers)}`, query: matchers.join(", ") });
  }

  /** Readiness as data: any HTTP answer is returned, only a failed exchange throws. */
  async ready(): Promise<LokiResponse<{ ready: boolean; status: number; body: string }>> {
    const { status, body, durationMs } = await this.#send(`${this.baseUrl}/ready`, { what: "GET /ready" });
    return { data: { ready: status === 200, status, body }, durationMs };
  }

  /** WebSocket tail; calls onStreams for every frame with the receipt time; resolves when closed. */
  tail(
    query: string,
    o: { startNs: string; limit?: number; delayForS?: number; signal: AbortSignal; onStreams: (streams: LokiStream[], receivedAtMs: number) => void },
  ): Promise<void> {
    const params = new URLSearchParams([
      ["query", query],
      ["start", o.startNs],
    ]);
    if (o.limit !== undefined) params.set("limit", String(o.limit));
    if (o.delayForS !== undefined) params.set("delay_for", String(o.delayForS));
    const url = `${this.baseUrl.replace(/^http/, "ws")}/loki/api/v1/tail?${params}`;
    const what = `LogQL tail ${JSON.stringify(query)}`;
    const started = this.#clock.monotonicMs();
    const fail = (init: { status?: number; body?: string; error?: string }, cause?: unknown) =>
      new LokiApiError({ what, query, durationMs: this.#clock.monotonicMs() - started, ...init }, { cause });
    return new Promise<void>((resolve, reject) => {
      if (o.signal.aborted) return resolve();
      const ws = new WebSocket(url, { headers: this.#headers, handshakeTimeout: this.timeoutMs });
      let settled = false;
      const settle = (error?: LokiApiError) => {
        if (settled) return;
        settled = true;
        o.signal.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000);
        settle();
      };
      o.signal.addEventListener("abort", onAbort, { once: true });
      ws.on("unexpected-response", (_req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => settle(fail({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") })));
        res.on("error", (cause) => settle(fail({ status: res.statusCode ?? 0, error: cause.message }, cause)));
      });
      ws.on("message", (data, isBinary) => {
        const receivedAtMs = this.#clock.nowMs();
        if (settled) return;
        try {
          const frame = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString("utf8") : String(data)) as { streams?: unknown };
          o.onStreams(parseStreams(frame.streams ?? [], "tail frame streams"), receivedAtMs);
        } catch (cause) {
          ws.terminate();
          settle(fail({ error: `unreadable tail frame: ${cause instanceof Error ? cause.message : String(cause)}` }, cause));
        }
      });
      ws.on("error", (cause) => settle(fail({ error: `${cause.message} (${url})` }, cause)));
      ws.on("close", () => settle());
    });
  }

  /** The running config as YAML (`GET /config`): what Loki actually runs with, defaults included. */
  async config(): Promise<LokiResponse<string>> {
    const { status, body, durationMs } = await this.#send(`${this.baseUrl}/config`, { what: "GET /config" });
    if (status !== 200) throw new LokiApiError({ what: "GET /config", status, body, durationMs });
    return { data: body, durationMs };
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
  ): Promise<LokiResponse<T>> {
    const url = urlOf(this.baseUrl, path, params);
    const what = context?.what ?? `GET ${path}`;
    const { status, contentType, body, durationMs } = await this.#send(url, { what, query: context?.query });
    const fail = (error?: string, cause?: unknown) =>
      new LokiApiError({ what, status, body, query: context?.query, durationMs, ...(error === undefined ? {} : { error }) }, { cause });
    if (status < 200 || status > 299) throw fail();
    let envelope: { status?: unknown; data?: unknown };
    try {
      envelope = JSON.parse(body) as typeof envelope;
    } catch (cause) {
      throw fail(`expected a JSON API response, saw ${contentType || "no content type"} body ${JSON.stringify(clip(body))}`, cause);
    }
    if (envelope?.status !== "success") throw fail(`expected {"status":"success"}, saw ${JSON.stringify(clip(body))}`);
    try {
      return { data: parse(envelope.data), durationMs };
    } catch (cause) {
      if (cause instanceof ShapeError) throw fail(cause.message, cause);
      throw cause;
    }
  }

  async #send(url: string, { what, query }: { what: string; query?: string }) {
    const headers = { accept: "application/json", ...this.#headers };
    try {
      return await sendRequest(url, { headers, dispatcher: this.#dispatcher, timeoutMs: this.timeoutMs, lifeSignal: this.#lifeSignal, clock: this.#clock });
    } catch (failure) {
      if (!(failure instanceof RequestFailure)) throw failure;
      throw new LokiApiError({ what, error: failure.withUrl, query, durationMs: failure.durationMs }, { cause: failure.cause });
    }
  }
}

class ShapeError extends Error {}

function shape(ok: boolean, what: string, seen: unknown): void {
  if (!ok) throw new ShapeError(`unexpected response shape: expected ${what}, saw ${JSON.stringify(seen)?.slice(0, 120)}`);
}

function parseLabelMap(value: unknown, what: string): Record<string, string> {
  shape(
    typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string"),
    `${what} as an object of strings`,
    value,
  );
  return { ...(value as Record<string, string>) };
}

function parseStreams(value: unknown, what: string): LokiStream[] {
  shape(Array.isArray(value), `${what} as an array`, value);
  return (value as { stream?: unknown; values?: unknown }[]).map((s) => {
    const labels = parseLabelMap(s?.stream, "stream labels");
    shape(Array.isArray(s.values), "stream values as an array", s.values);
    const entries = (s.values as unknown[]).map((v) => {
      shape(Array.isArray(v) && typeof v[0] === "string" && /^[0-9]+$/.test(v[0]) && typeof v[1] === "string", "a value [ns-string, line]", v);
      const [tsNs, line] = v as [string, string];
      return { tsNs, line };
    });
    return { labels, entries };
  });
}

function parsePoint(value: unknown): { timeMs: number; value: number } {
  shape(Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string", 'a point [unix-seconds, "value"]', value);
  const [seconds, text] = value as [number, string];
  const parsed = text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : Number(text);
  shape(!Number.isNaN(parsed) || text === "NaN", "a numeric sample value", text);
  return { timeMs: Math.round(seconds * 1000), value: parsed };
}

function parseQueryData(data: unknown): LokiQueryData {
  const d = data as { resultType?: unknown; result?: unknown } | undefined;
  shape(typeof d === "object" && d !== null && Array.isArray(d.result), "data {resultType, result[]}", data);
  const result = d!.result as { metric?: unknown; values?: unknown; value?: unknown }[];
  switch (d!.resultType) {
    case "streams":
      return { resultType: "streams", streams: parseStreams(result, "streams result") };
    case "matrix":
      return {
        resultType: "matrix",
        series: result.map((s) => {
          shape(Array.isArray(s?.values), "matrix values as an array", s?.values);
          return { labels: parseLabelMap(s.metric, "series labels"), points: (s.values as unknown[]).map(parsePoint) };
        }),
      };
    case "vector":
      return { resultType: "vector", samples: result.map((s) => ({ labels: parseLabelMap(s?.metric, "sample labels"), ...parsePoint(s?.value) })) };
    default:
      return shape(false, `resultType streams, matrix or vector`, d!.resultType) as never;
  }
}

function parseStrings(data: unknown, what: string): string[] {
  // Loki answers `"data": null` or omits data when nothing matches.
  if (data === undefined || data === null) return [];
  shape(Array.isArray(data) && data.every((v) => typeof v === "string"), `${what} as an array of strings`, data);
  return [...(data as string[])];
}

function parseSeries(data: unknown): Record<string, string>[] {
  if (data === undefined || data === null) return [];
  shape(Array.isArray(data), "series as an array of label sets", data);
  return (data as unknown[]).map((s) => parseLabelMap(s, "series labels"));
}

function clip(text: string): string {
  return text.length > BODY_QUOTE_CHARS ? `${text.slice(0, BODY_QUOTE_CHARS)}…` : text;
}
