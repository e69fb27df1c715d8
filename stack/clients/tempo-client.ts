import { Agent, type Dispatcher } from "undici";
import { systemClock, type Clock } from "../../common/clock.ts";
import { RequestFailure, sendRequest, urlOf, type SentRequest } from "./send-request.ts";
import { HarnessError } from "../../common/errors.ts";

/** One span as trace-by-id returned it, ids as lower-case hex whatever the server's encoding. */
export interface TempoSpan {
  traceId: string /* 32 hex */;
  spanId: string /* 16 hex */;
  parentSpanId?: string;
  name: string;
  serviceName: string;
  /** Enum name: `SPAN_KIND_SERVER`. */
  kind?: string;
  /** Enum name: `STATUS_CODE_ERROR`; `STATUS_CODE_UNSET` for a status without a code. */
  statusCode?: string;
  startNs: string;
  endNs: string;
  /** Span attributes (not the resource's); ints as numbers, arrays and maps as JSON text. */
  attributes: Record<string, string | number | boolean>;
}

export interface TempoSearchHit {
  traceId: string /* normalised to 32 hex, left-padded */;
  rootServiceName?: string;
  rootTraceName?: string;
  startNs: string;
  durationMs?: number;
  /** Span ids (16 hex) of the TraceQL spanset(s); absent for tag search. */
  matchedSpanIds?: string[];
}

export interface TempoResponse<T> {
  readonly data: T;
  readonly durationMs: number;
}

export interface TempoSearchOptions {
  /** Logfmt tag search: `{"service.name": "checkout"}` → `tags=service.name=checkout`. */
  tags?: Record<string, string>;
  /** TraceQL; when set, Tempo ignores `tags`. */
  q?: string;
  startS?: number;
  endS?: number;
  limit?: number;
  minDurationMs?: number;
}

export interface TempoClientOptions {
  /** API root: `http://127.0.0.1:3200`. */
  baseUrl: string;
  /** Per-request deadline for headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  headers?: Readonly<Record<string, string>>;
  /** A shared dispatcher; by default the client owns a keep-alive Agent and `close()` closes it. */
  dispatcher?: Dispatcher;
  clock?: Clock;
  /** The component's `StartedStack.lifeSignal()`: once it dies, calls fail at once naming the death (cause: ComponentDiedError). */
  lifeSignal?: AbortSignal;
}

/**
 * Why a Tempo API call yielded no data: `TraceQL query "{ ... }" failed: HTTP 400: invalid TraceQL query: ...`.
 * `status` is undefined when no HTTP answer came (timeout, refused connection).
 */
export class TempoApiError extends HarnessError {
  override name = "TempoApiError";
  readonly what: string;
  readonly status: number | undefined;
  readonly body: string;
  readonly query: string | undefined;
  readonly durationMs: number;

  constructor(init: { what: string; status?: number; body: string; query?: string; durationMs: number }, options?: { cause?: unknown }) {
    super(`${init.what} failed: ${init.status === undefined ? "" : `HTTP ${init.status}: `}${quoteText(init.body)}`, options);
    this.what = init.what;
    this.status = init.status;
    this.body = init.body;
    this.query = init.query;
    this.durationMs = init.durationMs;
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const BODY_QUOTE_CHARS = 200;

function quoteText(body: string): string {
  const text = body.trim();
  return text.length > BODY_QUOTE_CHARS ? `${text.slice(0, BODY_QUOTE_CHARS)}…` : text;
}

/**
 * Typed client for Tempo's query API. Reads Tempo 2.0.1's JSON (base64 ids, `batches` with
 * `scopeSpans` or `instrumentationLibrarySpans`, int64 as strings) and newer shapes (hex ids,
 * `trace.resourceSpans` of `/api/v2/traces`, `spanSets`, scoped v2 tags). Failures throw `TempoApiError`.
 */
export class TempoClient implements AsyncDisposable {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #clock: Clock;
  readonly #lifeSignal: AbortSignal | undefined;

  constructor({ baseUrl, timeoutMs = DEFAULT_TIMEOUT_MS, headers = {}, dispatcher, clock = systemClock, lifeSignal }: TempoClientOptions) {
    this.#lifeSignal = lifeSignal;
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.timeoutMs = timeoutMs;
    this.#headers = headers;
    this.#dispatcher = dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 64 });
    this.#ownsDispatcher = dispatcher === undefined;
    this.#clock = clock;
  }

  /** Every span of a trace; `data` is undefined when Tempo answers 404 `trace not found`. */
  async traceById(traceIdHex: string): Promise<TempoResponse<TempoSpan[] | undefined>> {
    const what = `trace by id ${traceIdHex}`;
    const answer = await this.#get(`/api/traces/${encodeURIComponent(traceIdHex)}`, [], { what });
    if (answer.status === 404 && !answer.body.startsWith("404 page not found")) return { data: undefined, durationMs: answer.durationMs };
    return { data: this.#parse(answer, { what }, parseTempoTrace), durationMs: answer.durationMs };
  }

  async search(o: TempoSearchOptions): Promise<TempoResponse<TempoSearchHit[]>> {
    const params: [string, string][] = [];
    const tags = o.tags === undefined ? "" : formatLogfmt(o.tags);
    if (o.q !== undefined) params.push(["q", o.q]);
    if (tags !== "") params.push(["tags", tags]);
    if (o.minDurationMs !== undefined) params.push(["minDuration", `${o.minDurationMs}ms`]);
    if (o.limit !== undefined) params.push(["limit", String(o.limit)]);
    if (o.startS !== undefined) params.push(["start", String(o.startS)]);
    if (o.endS !== undefined) params.push(["end", String(o.endS)]);
    const context =
      o.q !== undefined
        ? { what: `TraceQL query ${JSON.stringify(o.q)}`, query: o.q }
        : tags !== ""
          ? { what: `tag search ${JSON.stringify(tags)}`, query: tags }
          : { what: "search" };
    const answer = await this.#get("/api/search", params, context);
    return { data: this.#parse(answer, context, parseSearchHits), durationMs: answer.durationMs };
  }

  async searchTags(): Promise<TempoResponse<string[]>> {
    const context = { what: "GET /api/search/tags" };
    const answer = await this.#get("/api/search/tags", [], context);
    return { data: this.#parse(answer, context, parseTagNames), durationMs: answer.durationMs };
  }

  async tagValues(name: string): Promise<TempoResponse<string[]>> {
    const path = `/api/search/tag/${encodeURIComponent(name)}/values`;
    const context = { what: `GET ${path}` };
    const answer = await this.#get(path, [], context);
    return { data: this.#parse(answer, context, parseTagValues), durationMs: answer.durationMs };
  }

  /** Readiness as data: any HTTP answer is returned, only a failed exchange throws. */
  async ready(): Promise<TempoResponse<{ ready: boolean; status: number; body: string }>> {
    const { status, body, durationMs } = await this.#get("/ready", [], { what: "GET /ready" }, "text/plain");
    return { data: { ready: status === 200, status, body }, durationMs };
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #parse<T>(answer: SentRequest, context: { what: string; query?: string }, parse: (body: unknown) => T): T {
    const fail = (body: string, cause?: unknown) => new TempoApiError({ ...context, status: answer.status, body, durationMs: answer.durationMs }, { cause });
    if (answer.status !== 200) throw fail(answer.body);
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch (cause) {
      throw fail(`expected a JSON body, saw ${answer.contentType || "no content type"} ${JSON.stringify(quoteText(answer.body))}`, cause);
    }
    try {
      return parse(json);
    } catch (cause) {
      throw fail(`unexpected response shape: ${(cause as Error).message}`, cause);
    }
  }

  async #get(
    path: string,
    params: readonly [string, string][],
    { what, query }: { what: string; query?: string },
    accept = "application/json",
  ): Promise<SentRequest> {
    const url = urlOf(this.baseUrl, path, params);
    const headers = { accept, ...this.#headers };
    try {
      return await sendRequest(url, { headers, dispatcher: this.#dispatcher, timeoutMs: this.timeoutMs, lifeSignal: this.#lifeSignal, clock: this.#clock });
    } catch (failure) {
      if (!(failure instanceof RequestFailure)) throw failure;
      throw new TempoApiError({ what, body: failure.withUrl, query, durationMs: failure.durationMs }, { cause: failure.cause });
    }
  }
}

/** Logfmt for `tags=`: values with spaces, quotes, `=` or backslashes are quoted. */
export function formatLogfmt(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v === "" || /[\s"=\\]/.test(v) ? JSON.stringify(v) : v}`)
    .join(" ");
}

/** 32 lower-case hex digits, left-padded: search's `c0ffee…` and trace-by-id's ids compare equal. */
export function normalizeTempoTraceId(id: string): string {
  return id.toLowerCase().padStart(32, "0");
}

type Obj = Record<string, unknown>;
const SPAN_KINDS = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];
const STATUS_CODES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

const asObj = (v: unknown, what: string): Obj => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${what} is not an object`);
  return v as Obj;
};
const asList = (v: unknown, what: string): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what} is not a list`);
  return v;
};

/** Hex as sent (newer Tempo, OTLP JSON) or base64 (Tempo 2.0.1's jsonpb), to `bytes * 2` lower-case hex. */
export function idToHex(id: unknown, bytes: number): string {
  if (typeof id !== "string") throw new Error(`id ${JSON.stringify(id)} is not a string`);
  if (id.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(id)) return id.toLowerCase();
  const decoded = Buffer.from(id, "base64");
  if (decoded.length === 0 || decoded.length > bytes || decoded.toString("base64").replace(/=+$/, "") !== id.replace(/=+$/, "")) {
    throw new Error(`id ${JSON.stringify(id)} is neither ${bytes * 2} hex digits nor base64 of ${bytes} bytes`);
  }
  return decoded.toString("hex").padStart(bytes * 2, "0");
}

function enumName(v: unknown, names: readonly string[]): string | undefined {
  if (typeof v === "number") return names[v] ?? String(v);
  return typeof v === "string" ? v : undefined;
}

function attributeValue(v: unknown): string | number | boolean {
  const o = (v ?? {}) as Obj;
  if (o.stringValue !== undefined) return String(o.stringValue);
  if (o.intValue !== undefined) return Number(o.intValue);
  if (o.doubleValue !== undefined) return Number(o.doubleValue);
  if (o.boolValue !== undefined) return o.boolValue === true || o.boolValue === "true";
  if (o.bytesValue !== undefined) return String(o.bytesValue);
  return JSON.stringify(o.arrayValue ?? o.kvlistValue ?? o);
}

/** Trace-by-id JSON of Tempo 2.0.1 (`batches`), 1.x (`instrumentationLibrarySpans`) or 2.2+ v2 (`trace.resourceSpans`). */
export function parseTempoTrace(body: unknown): TempoSpan[] {
  const root = asObj(body, "trace");
  const trace = root.trace === undefined ? root : asObj(root.trace, "trace.trace");
  const batches = asList(trace.batches ?? trace.resourceSpans, "batches");
  const spans: TempoSpan[] = [];
  for (const [b, batch] of batches.entries()) {
    const rs = asObj(batch, `batches[${b}]`);
    const resourceAttributes = asList((rs.resource as Obj | undefined)?.attributes, "resource.attributes") as Obj[];
    const service = resourceAttributes.find((a) => a.key === "service.name");
    const serviceName = service === undefined ? "" : String(attributeValue(service.value));
    for (const scope of asList(rs.scopeSpans ?? rs.instrumentationLibrarySpans, "scopeSpans")) {
      for (const raw of asList(asObj(scope, "scopeSpans[]").spans, "spans")) {
        const s = asObj(raw, "span");
        const status = s.status as Obj | undefined;
        const span: TempoSpan = {
          traceId: idToHex(s.traceId, 16),
          spanId: idToHex(s.spanId, 8),
          name: String(s.name ?? ""),
          serviceName,
          startNs: String(s.startTimeUnixNano ?? "0"),
          endNs: String(s.endTimeUnixNano ?? "0"),
          attributes: Object.fromEntries((asList(s.attributes, "attributes") as Obj[]).map((a) => [String(a.key), attributeValue(a.value)])),
        };
        if (s.parentSpanId !== undefined && s.parentSpanId !== "") span.parentSpanId = idToHex(s.parentSpanId, 8);
        const kind = enumName(s.kind, SPAN_KINDS);
        if (kind !== undefined) span.kind = kind;
        if (status !== undefined) span.statusCode = enumName(status.code, STATUS_CODES) ?? STATUS_CODES[0]!;
        spans.push(span);
      }
    }
  }
  return spans;
}

/** `/api/search` hits; every hit is kept (duplicates included), ids normalised to 32 hex. */
export function parseSearchHits(body: unknown): TempoSearchHit[] {
  return asList(asObj(body, "search response").traces, "traces").map((raw) => {
    const t = asObj(raw, "trace");
    if (typeof t.traceID !== "string" || !/^[0-9a-fA-F]{1,32}$/.test(t.traceID)) throw new Error(`traceID ${JSON.stringify(t.traceID)} is not hex`);
    const hit: TempoSearchHit = { traceId: normalizeTempoTraceId(t.traceID), startNs: String(t.startTimeUnixNano ?? "0") };
    if (typeof t.rootServiceName === "string") hit.rootServiceName = t.rootServiceName;
    if (typeof t.rootTraceName === "string") hit.rootTraceName = t.rootTraceName;
    if (t.durationMs !== undefined) hit.durationMs = Number(t.durationMs);
    const sets = [...(t.spanSet === undefined ? [] : [t.spanSet]), ...asList(t.spanSets, "spanSets")];
    if (sets.length > 0) {
      const ids = sets.flatMap((set) =>
        asList(asObj(set, "spanSet").spans, "spans").map((s) => String(asObj(s, "span").spanID).toLowerCase().padStart(16, "0")),
      );
      hit.matchedSpanIds = [...new Set(ids)];
    }
    return hit;
  });
}

/** `{"tagNames":[...]}` (2.0.1, unscoped) or v2's `{"scopes":[{"name","tags"}]}`; sorted, each once. */
export function parseTagNames(body: unknown): string[] {
  const o = asObj(body, "tags response");
  const names = o.tagNames !== undefined ? asList(o.tagNames, "tagNames") : asList(o.scopes, "scopes").flatMap((s) => asList(asObj(s, "scope").tags, "tags"));
  return [...new Set(names.map(String))].sort();
}

/** `{"tagValues":["a"]}` (2.0.1) or v2's `{"tagValues":[{"type":"string","value":"a"}]}`. */
export function parseTagValues(body: unknown): string[] {
  return asList(asObj(body, "tag values response").tagValues, "tagValues").map((v) =>
    typeof v === "object" && v !== null ? String((v as Obj).value) : String(v),
  );
}
