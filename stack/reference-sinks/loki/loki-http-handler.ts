import type { IncomingMessage, ServerResponse } from "node:http";
import type { LogStore } from "./log-store.ts";
import { MAX_DECOMPRESSED_BYTES } from "./logproto.ts";
import { renderMetrics } from "./loki-metrics.ts";
import { instantQuery, labelNames, labelValues, queryRange, series } from "./loki-query-routes.ts";
import { JSON_TYPE, jsonReply, textError, textReply, type Reply } from "./loki-responses.ts";
import { detectLogLevel, entryAgeError, groupedErrors } from "./loki-ingest-rules.ts";
import { nowNs as wallNowNs } from "./loki-params.ts";
import { decodePush, PushDecodeError, type DecodedPush } from "./push-decoder.ts";

/** Version string `/loki/api/v1/status/buildinfo` reports, so nobody mistakes the sink for Loki. */
export const SINK_VERSION = "obsconf-reference-sink";

const LABEL_VALUES = /^\/loki\/api\/v1\/label\/([^/]+)\/values$/;

/** Routes the Loki HTTP API (minus the WebSocket tail, which `loki-tail.ts` serves on `upgrade`). */
export interface LokiHandlerOptions {
  /** Now in ns since the epoch (the distributor's age checks); injectable so recorded pushes replay as at capture. */
  nowNs?: () => bigint;
}

export function createLokiRequestHandler(store: LogStore, { nowNs = wallNowNs }: LokiHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(store, req, nowNs)
      .catch((error: unknown) => textError(500, `internal error in the obsconf reference sink: ${error instanceof Error ? error.message : String(error)}`))
      .then((reply) => send(res, reply));
  };
}

async function route(store: LogStore, req: IncomingMessage, nowNs: () => bigint): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://sink.invalid");
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (path === "/loki/api/v1/push") {
    if (method !== "POST") return textError(405, "method not allowed");
    return push(store, req, nowNs());
  }
  if (method !== "GET" && method !== "HEAD") {
    return isKnownPath(path) ? textError(405, "method not allowed") : textError(404, "404 page not found");
  }
  const labelValuesMatch = LABEL_VALUES.exec(path);
  if (labelValuesMatch) return labelValues(store, decodeURIComponent(labelValuesMatch[1]!), url.searchParams);
  switch (path) {
    case "/loki/api/v1/query_range":
      return queryRange(store, url.searchParams);
    case "/loki/api/v1/query":
      return instantQuery(store, url.searchParams);
    case "/loki/api/v1/labels":
    case "/loki/api/v1/label":
      return labelNames(store);
    case "/loki/api/v1/series":
      return series(store, url.searchParams);
    case "/ready":
      return textReply("ready\n");
    case "/loki/api/v1/status/buildinfo":
      return jsonReply({ version: SINK_VERSION, revision: "", branch: "", buildUser: "", buildDate: "", goVersion: "" }, JSON_TYPE);
    case "/metrics":
      return { status: 200, headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }, body: renderMetrics(store.counters) };
    default:
      return textError(404, "404 page not found");
  }
}

/**
 * Loki 3.5's push path: parse (any unparseable stream refuses the request), then the distributor's
 * per-entry checks (too old / too new: left out, their errors grouped into one 400 after the rest is
 * stored) and `detected_level`, then the ingester's unordered-write window (its error wins).
 */
async function push(store: LogStore, req: IncomingMessage, nowNs: bigint): Promise<Reply> {
  const body = await readBody(req, MAX_DECOMPRESSED_BYTES);
  if (body === undefined) return textError(413, `request body larger than ${MAX_DECOMPRESSED_BYTES} bytes`);
  let decoded: DecodedPush;
  try {
    decoded = decodePush({ contentType: req.headers["content-type"] ?? "", contentEncoding: String(req.headers["content-encoding"] ?? ""), body });
  } catch (error) {
    if (error instanceof PushDecodeError) return textError(error.status, error.message);
    throw error;
  }
  const refused: string[] = [];
  const valid = decoded.streams
    .map((stream) => ({
      labels: stream.labels,
      entries: stream.entries.flatMap((entry) => {
        const error = entryAgeError(stream.labels, entry.tsNs, nowNs);
        if (error !== undefined) return (refused.push(error), []);
        return [{ ...entry, detectedLevel: detectLogLevel(stream.labels, entry.line) }];
      }),
    }))
    .filter((stream) => stream.entries.length > 0);
  const outcome = store.push(valid);
  if (outcome.tooFarBehind !== undefined) return textError(400, outcome.tooFarBehind);
  if (refused.length > 0) return textError(400, groupedErrors(refused));
  return { status: 204, headers: {}, body: "" };
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
  return (
    LABEL_VALUES.test(path) ||
    [
      "/loki/api/v1/query_range",
      "/loki/api/v1/query",
      "/loki/api/v1/labels",
      "/loki/api/v1/label",
      "/loki/api/v1/series",
      "/ready",
      "/loki/api/v1/status/buildinfo",
      "/metrics",
      "/loki/api/v1/tail",
    ].includes(path)
  );
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, reply.headers);
  res.end(reply.status === 204 ? undefined : reply.body);
}
