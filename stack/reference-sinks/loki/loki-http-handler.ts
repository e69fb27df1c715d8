import type { IncomingMessage, ServerResponse } from "node:http";
import type { LogStore } from "./log-store.ts";
import { MAX_DECOMPRESSED_BYTES } from "./logproto.ts";
import { renderMetrics } from "./loki-metrics.ts";
import { instantQuery, labelNames, labelValues, queryRange, series } from "./loki-query-routes.ts";
import { jsonReply, textError, textReply, type Reply } from "./loki-responses.ts";
import { decodePush, PushDecodeError } from "./push-decoder.ts";

/** Version string `/loki/api/v1/status/buildinfo` reports, so nobody mistakes the sink for Loki. */
export const SINK_VERSION = "obsconf-reference-sink";

const LABEL_VALUES = /^\/loki\/api\/v1\/label\/([^/]+)\/values$/;

/** Routes the Loki HTTP API (minus the WebSocket tail, which `loki-tail.ts` serves on `upgrade`). */
export function createLokiRequestHandler(store: LogStore): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(store, req)
      .catch((error: unknown) => textError(500, `internal error in the obsconf reference sink: ${error instanceof Error ? error.message : String(error)}`))
      .then((reply) => send(res, reply));
  };
}

async function route(store: LogStore, req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://sink.invalid");
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (path === "/loki/api/v1/push") {
    if (method !== "POST") return textError(405, "method not allowed");
    return push(store, req);
  }
  if (method !== "GET" && method !== "HEAD") {
    return isKnownPath(path) ? textError(405, "method not allowed") : textError(404, "404 page not found");
  }
  const labelValuesMatch = LABEL_VALUES.exec(path);
  if (labelValuesMatch) return labelValues(store, decodeURIComponent(labelValuesMatch[1]!), url.searchParams);
  switch (path) {
    case "/loki/api/v1/query_range": return queryRange(store, url.searchParams);
    case "/loki/api/v1/query": return instantQuery(store, url.searchParams);
    case "/loki/api/v1/labels":
    case "/loki/api/v1/label": return labelNames(store);
    case "/loki/api/v1/series": return series(store, url.searchParams);
    case "/ready": return textReply("ready\n");
    case "/loki/api/v1/status/buildinfo":
      return jsonReply({ version: SINK_VERSION, revision: "", branch: "", buildUser: "", buildDate: "", goVersion: "" });
    case "/metrics":
      return { status: 200, headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }, body: renderMetrics(store.counters) };
    default: return textError(404, "404 page not found");
  }
}

async function push(store: LogStore, req: IncomingMessage): Promise<Reply> {
  const body = await readBody(req, MAX_DECOMPRESSED_BYTES);
  if (body === undefined) return textError(413, `request body larger than ${MAX_DECOMPRESSED_BYTES} bytes`);
  try {
    const decoded = decodePush({
      contentType: req.headers["content-type"] ?? "",
      contentEncoding: String(req.headers["content-encoding"] ?? ""),
      body,
    });
    store.push(decoded.streams);
    if (decoded.rejection !== undefined) return textError(400, decoded.rejection);
    return { status: 204, headers: {}, body: "" };
  } catch (error) {
    if (error instanceof PushDecodeError) return textError(error.status, error.message);
    throw error;
  }
}

/** The whole body, or undefined when it exceeds `maxBytes` (the rest is drained, not buffered). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= maxBytes) chunks.push(chunk);
  }
  return bytes > maxBytes ? undefined : Buffer.concat(chunks);
}

function isKnownPath(path: string): boolean {
  return LABEL_VALUES.test(path) || ["/loki/api/v1/query_range", "/loki/api/v1/query", "/loki/api/v1/labels", "/loki/api/v1/label",
    "/loki/api/v1/series", "/ready", "/loki/api/v1/status/buildinfo", "/metrics", "/loki/api/v1/tail"].includes(path);
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.status === 204 ? undefined : reply.body);
}
