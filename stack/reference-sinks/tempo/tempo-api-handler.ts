import type { IncomingMessage, ServerResponse } from "node:http";
import { encodeTempoTrace } from "./otlp-proto.ts";
import { renderTempoTraceJson } from "./tempo-trace-json.ts";
import { V2_INTRINSIC_TAGS, type TraceStore } from "./trace-store.ts";
import { searchTraces } from "./trace-search.ts";

/** What `/status/version` names: a substitute, never mistaken for a Tempo build. */
export const TEMPO_SINK_VERSION = "obsconf-reference-sink";

const TEXT = "text/plain; charset=utf-8";
const API_HEADERS = { Vary: "Accept-Encoding" };
const GO_TEXT_HEADERS = { "Content-Type": TEXT, "X-Content-Type-Options": "nosniff" };

/**
 * Tempo 2.8.0's query API on the HTTP port (3200): trace by id (v1 and v2), search, tags and tag values
 * (unscoped and v2 scoped), echo, ready, version, buildinfo and metrics, with the status codes, content
 * types and bodies recorded from the pinned version (stack/clients/fixtures/tempo-2.8.0). The `metrics`
 * objects carry the sink's own numbers (Tempo's are internal: bytes inspected, query jobs).
 */
export function createTempoApiHandler(store: TraceStore): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://sink");
    const path = url.pathname;
    if (path.startsWith("/api/traces/")) return traceById(store, decodeURIComponent(path.slice("/api/traces/".length)), req, res, "v1");
    if (path.startsWith("/api/v2/traces/")) return traceById(store, decodeURIComponent(path.slice("/api/v2/traces/".length)), req, res, "v2");
    if (path === "/api/search") {
      const answer = searchTraces(store, url.searchParams);
      return answer.status === 200 ? json(res, answer.json) : apiText(res, 400, answer.text);
    }
    if (path === "/api/search/tags") return json(res, { tagNames: store.tagNames(), metrics: inspected(store) });
    if (path === "/api/v2/search/tags") {
      const { span, resource } = store.scopedTagNames();
      const scopes = [
        { name: "intrinsic", tags: [...V2_INTRINSIC_TAGS] },
        { name: "resource", tags: resource },
        { name: "span", tags: span },
      ];
      return json(res, { scopes: scopes.filter((scope) => scope.tags.length > 0), metrics: inspected(store) });
    }
    const tagValues = /^\/api\/search\/tag\/([^/]+)\/values$/.exec(path);
    if (tagValues) return json(res, { tagValues: store.tagValues(decodeURIComponent(tagValues[1]!)), metrics: inspected(store) });
    const v2TagValues = /^\/api\/v2\/search\/tag\/([^/]+)\/values$/.exec(path);
    if (v2TagValues) return json(res, { tagValues: store.scopedTagValues(decodeURIComponent(v2TagValues[1]!)), metrics: inspected(store) });
    if (path === "/api/status/buildinfo") {
      return send(
        res,
        200,
        { "Content-Type": "application/json" },
        JSON.stringify({ version: TEMPO_SINK_VERSION, revision: "", branch: "", buildUser: "", buildDate: "", goVersion: `node ${process.version}` }),
      );
    }
    if (path === "/api/echo") return goText(res, 200, "echo\n");
    if (path === "/ready") return goText(res, 200, "ready\n");
    if (path === "/status/version") return send(res, 200, { "Content-Type": "text/plain" }, versionText(path));
    if (path === "/metrics") return send(res, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }, metricsText(store));
    return goText(res, 404, "404 page not found\n");
  };
}

/** v1 answers `{"batches":[...]}`, v2 `{"trace":{"resourceSpans":[...]}}`; an unknown id is 404 with an empty body (2.8; 2.0.1 said "trace not found"). */
function traceById(store: TraceStore, id: string, req: IncomingMessage, res: ServerResponse, version: "v1" | "v2"): void {
  const parsed = parseTraceId(id);
  if ("error" in parsed) {
    apiText(res, 400, parsed.error);
    return;
  }
  const trace = store.get(parsed.hex);
  if (trace === undefined) send(res, 404, API_HEADERS, "");
  else if (version === "v1" && /application\/protobuf/.test(String(req.headers.accept ?? ""))) {
    send(res, 200, { "Content-Type": "application/protobuf", ...API_HEADERS }, Buffer.from(encodeTempoTrace(trace.batches)));
  } else {
    const { batches } = renderTempoTraceJson(trace.batches);
    json(res, version === "v1" ? { batches } : { trace: { resourceSpans: batches }, metrics: { inspectedBytes: String(trace.bytes) } });
  }
}

/** The sink's stand-in for Tempo's `metrics.inspectedBytes` (a string, as Tempo's jsonpb renders uint64). */
function inspected(store: TraceStore): { inspectedBytes: string } {
  let bytes = 0;
  for (const trace of store.traces()) bytes += trace.bytes;
  return { inspectedBytes: String(bytes) };
}

/** Tempo's `HexStringToTraceID`: hex only (1-based position in the error), at most 128 bits, left-padded to 32. */
export function parseTraceId(id: string): { hex: string } | { error: string } {
  for (let pos = 0; pos < id.length; pos += 1) {
    if (!/[0-9a-fA-F]/.test(id[pos]!)) return { error: `trace IDs can only contain hex characters: invalid character '${id[pos]}' at position ${pos + 1}` };
  }
  const even = id.length % 2 === 1 ? `0${id}` : id;
  if (even.length > 32) return { error: "trace IDs can't be larger than 128 bits" };
  return { hex: even.toLowerCase().padStart(32, "0") };
}

function versionText(path: string): string {
  return [
    `GET ${path}`,
    `tempo, version ${TEMPO_SINK_VERSION} (branch: none, revision: none)`,
    "  build user:       ",
    "  build date:       ",
    `  go version:       none (node ${process.version})`,
    `  platform:         ${process.platform}/${process.arch}`,
    "",
  ].join("\n");
}

function metricsText(store: TraceStore): string {
  const c = store.counters;
  const metric = (name: string, type: string, help: string, value: number, labels = "") =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name}${labels} ${value}\n`;
  return [
    metric("tempo_distributor_spans_received_total", "counter", "The total number of spans received per tenant", c.spansReceived, '{tenant="single-tenant"}'),
    metric(
      "tempo_distributor_bytes_received_total",
      "counter",
      "The total number of proto bytes received per tenant",
      c.bytesReceived,
      '{tenant="single-tenant"}',
    ),
    metric("obsconf_sink_spans_dropped_total", "counter", "Spans the reference sink dropped on purpose (dropSpanEvery negative control).", c.spansDropped),
    metric("obsconf_sink_traces_evicted_total", "counter", "Traces evicted to stay under the sink's span limit.", c.tracesEvicted),
    metric("obsconf_sink_traces", "gauge", "Traces held by the reference sink.", store.traceCount),
  ].join("");
}

function json(res: ServerResponse, body: unknown): void {
  send(res, 200, { "Content-Type": "application/json", ...API_HEADERS }, JSON.stringify(body));
}

function apiText(res: ServerResponse, status: number, text: string): void {
  send(res, status, { "Content-Type": TEXT, ...API_HEADERS }, text);
}

function goText(res: ServerResponse, status: number, text: string): void {
  send(res, status, GO_TEXT_HEADERS, text);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}
