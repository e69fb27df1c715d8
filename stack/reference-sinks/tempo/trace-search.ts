import { parseGoDurationNs } from "./go-duration.ts";
import { parseLogfmtTags, type TagCondition } from "./logfmt-tags.ts";
import { serviceNameOf, stripLeadingZeros, tagTextOf } from "./trace-model.ts";
import type { StoredSpan, TraceEntry, TraceStore } from "./trace-store.ts";
import { evaluateTraceQL, type SpansetMatch } from "./traceql-eval.ts";
import { TraceQLSyntaxError } from "./traceql-lexer.ts";
import { TraceQLUnsupportedError, TraceQLValidationError, type SpansetExpr } from "./traceql-ast.ts";
import { parseTraceQL } from "./traceql-parser.ts";
import { renderKeyValue } from "./tempo-trace-json.ts";

/** What `/api/search` answers: JSON on success, Tempo's plain-text 400 otherwise. */
export type SearchAnswer = { status: 200; json: unknown } | { status: 400; text: string };

/** Tempo's text for a trace whose root span has not arrived. */
export const ROOT_SPAN_NOT_YET_RECEIVED = "<root span not yet received>";

const DEFAULT_LIMIT = 20;
const DEFAULT_SPANS_PER_SPANSET = 3;

interface SearchRequest {
  tags: TagCondition[];
  query: SpansetExpr | undefined;
  limit: number;
  spss: number;
  startNs: bigint | undefined;
  endNs: bigint | undefined;
  minDurationNs: number | undefined;
  maxDurationNs: number | undefined;
}

/**
 * `/api/search` over the store, Tempo 2.8.0's shape: newest traces first, `traceID` without leading
 * zeros; for TraceQL only, `spanSet` and `spanSets` (the same spanset: ≤ `spss` spans, hex `spanID`, the
 * attributes the query named) and `serviceStats` (spans and error spans per service of the trace).
 * `q` wins over `tags`, as in Tempo. Every trace is searchable as soon as it is stored (Tempo 2.8.0
 * took about 10 s: the trace must first be cut into a block, after trace_idle_period).
 */
export function searchTraces(store: TraceStore, params: URLSearchParams): SearchAnswer {
  let request: SearchRequest;
  try {
    request = parseSearchRequest(params);
  } catch (cause) {
    if (cause instanceof TraceQLSyntaxError || cause instanceof TraceQLValidationError) return { status: 400, text: `invalid TraceQL query: ${cause.message}` };
    if (cause instanceof TraceQLUnsupportedError || cause instanceof SearchParamError) return { status: 400, text: cause.message };
    throw cause;
  }
  const hits: { trace: TraceEntry; match: SpansetMatch | undefined }[] = [];
  let inspectedTraces = 0;
  let inspectedBytes = 0;
  for (const trace of store.traces()) {
    if (!inTimeRange(trace, request)) continue;
    inspectedTraces += 1;
    inspectedBytes += trace.bytes;
    if (request.query !== undefined) {
      const match = evaluateTraceQL(request.query, trace);
      if (match !== undefined) hits.push({ trace, match });
    } else if (request.tags.every((tag) => trace.spans.some((s) => tagMatches(tag, s, trace)))) {
      hits.push({ trace, match: undefined });
    }
  }
  hits.sort((a, b) => (a.trace.startNs === b.trace.startNs ? 0 : a.trace.startNs > b.trace.startNs ? -1 : 1));
  const traces = hits.slice(0, request.limit).map(({ trace, match }) => renderHit(trace, match, request.spss));
  const jobs = { completedJobs: 1, totalJobs: 1 };
  const metrics =
    request.query !== undefined ? { inspectedBytes: String(inspectedBytes), ...jobs } : { inspectedTraces, inspectedBytes: String(inspectedBytes), ...jobs };
  return { status: 200, json: { traces, metrics } };
}

class SearchParamError extends Error {}

function parseSearchRequest(params: URLSearchParams): SearchRequest {
  const q = params.get("q") ?? "";
  const tagsText = params.get("tags") ?? "";
  let tags: TagCondition[] = [];
  try {
    tags = parseLogfmtTags(tagsText);
  } catch (cause) {
    throw new SearchParamError(`invalid tags: ${(cause as Error).message}`);
  }
  const start = integerParam(params, "start");
  const end = integerParam(params, "end");
  if ((start === undefined) !== (end === undefined)) throw new SearchParamError("please provide non-zero values for http parameters start and end");
  if (start !== undefined && end !== undefined && end <= start) throw new SearchParamError("http parameter start must be before end");
  const minDurationNs = durationParam(params, "minDuration");
  const maxDurationNs = durationParam(params, "maxDuration");
  if (minDurationNs !== undefined && maxDurationNs !== undefined && maxDurationNs < minDurationNs) {
    throw new SearchParamError("invalid maxDuration: must be greater than minDuration");
  }
  return {
    tags,
    query: q.trim() === "" ? undefined : parseTraceQL(q),
    limit: positiveParam(params, "limit") ?? DEFAULT_LIMIT,
    spss: positiveParam(params, "spss") ?? DEFAULT_SPANS_PER_SPANSET,
    startNs: start === undefined ? undefined : BigInt(start) * 1_000_000_000n,
    endNs: end === undefined ? undefined : BigInt(end) * 1_000_000_000n,
    minDurationNs,
    maxDurationNs,
  };
}

function integerParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === "") return undefined;
  if (!/^\d+$/.test(text)) throw new SearchParamError(`invalid ${name}: strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

function positiveParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === "") return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n <= 0) throw new SearchParamError(`invalid ${name}: must be a positive number`);
  return n;
}

function durationParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === "") return undefined;
  const ns = parseGoDurationNs(text);
  if (ns === undefined) throw new SearchParamError(`invalid ${name}: time: invalid duration ${JSON.stringify(text)}`);
  return ns;
}

function inTimeRange(trace: TraceEntry, r: SearchRequest): boolean {
  if (r.startNs !== undefined && trace.endNs < r.startNs) return false;
  if (r.endNs !== undefined && trace.startNs > r.endNs) return false;
  const durationNs = Number(trace.endNs - trace.startNs);
  if (r.minDurationNs !== undefined && durationNs < r.minDurationNs) return false;
  if (r.maxDurationNs !== undefined && durationNs > r.maxDurationNs) return false;
  return true;
}

const STATUS_NAMES = ["unset", "ok", "error"];

/** A tag matches a span's own name/status, the trace's root, or a span or resource attribute (ints as text). */
function tagMatches({ key, value }: TagCondition, { span, resource }: StoredSpan, trace: TraceEntry): boolean {
  switch (key) {
    case "name":
      return span.name === value;
    case "status":
    case "status.code":
      return STATUS_NAMES[span.status?.code ?? 0] === value;
    case "root.name":
      return trace.root?.span.name === value;
    case "root.service.name":
      return serviceNameOf(trace.root?.resource) === value;
  }
  const has = (list: typeof span.attributes) => list?.some((a) => a.key === key && tagTextOf(a.value) === value) ?? false;
  return has(span.attributes) || has(resource?.attributes);
}

function renderHit(trace: TraceEntry, match: SpansetMatch | undefined, spss: number): Record<string, unknown> {
  const hit: Record<string, unknown> = { traceID: stripLeadingZeros(trace.traceId) };
  const rootService = trace.root === undefined ? ROOT_SPAN_NOT_YET_RECEIVED : serviceNameOf(trace.root.resource);
  if (rootService) hit.rootServiceName = rootService;
  if (trace.root?.span.name) hit.rootTraceName = trace.root.span.name;
  hit.startTimeUnixNano = trace.startNs.toString();
  const durationMs = Number((trace.endNs - trace.startNs) / 1_000_000n);
  if (durationMs > 0) hit.durationMs = durationMs;
  if (match !== undefined) {
    const spanSet = {
      spans: match.spans.slice(0, spss).map(({ stored: { span }, attributes }) => {
        const start = BigInt(span.startTimeUnixNano ?? "0");
        const out: Record<string, unknown> = { spanID: span.spanId.padStart(16, "0"), startTimeUnixNano: start.toString() };
        out.durationNanos = (BigInt(span.endTimeUnixNano ?? "0") - start).toString();
        if (attributes.length > 0) out.attributes = attributes.map(renderKeyValue);
        return out;
      }),
      matched: match.spans.length,
    };
    hit.spanSet = spanSet;
    hit.spanSets = [spanSet];
    hit.serviceStats = serviceStats(trace);
  }
  return hit;
}

/** Per service of the trace: `spanCount`, and `errorCount` when any span has status error (zero is omitted, as jsonpb does). */
function serviceStats(trace: TraceEntry): Record<string, { spanCount: number; errorCount?: number }> {
  const stats: Record<string, { spanCount: number; errorCount?: number }> = {};
  for (const { span, resource } of trace.spans) {
    const service = serviceNameOf(resource) ?? "";
    const entry = (stats[service] ??= { spanCount: 0 });
    entry.spanCount += 1;
    if (span.status?.code === 2) entry.errorCount = (entry.errorCount ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(stats).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
