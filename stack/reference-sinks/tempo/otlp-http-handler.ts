import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync, inflateSync } from "node:zlib";
import { decodeOtlpJsonTraces } from "./otlp-json-decode.ts";
import { decodeExportTraceRequest, encodeRpcStatus, OtlpDecodeError } from "./otlp-proto.ts";
import type { ResourceSpansRecord } from "./trace-model.ts";
import type { TraceStore } from "./trace-store.ts";

/** Largest request body accepted (the collector's default confighttp limit is 20 MiB; the sink allows more). */
export const MAX_OTLP_BODY_BYTES = 64 * 1024 * 1024;

const GRPC_INVALID_ARGUMENT = 3;
/** ExportTraceServiceResponse { partial_success: {} }: field 1, length 0. */
const EMPTY_PARTIAL_SUCCESS = Buffer.from([0x0a, 0x00]);
const UNSUPPORTED = "415 unsupported media type, supported: [application/json, application/x-protobuf]";

/**
 * OTLP/HTTP trace receiver (`POST /v1/traces`, port 4318) as Tempo 2.8.0's embedded collector receiver
 * answers: JSON → `{"partialSuccess":{}}` (application/json); protobuf → an ExportTraceServiceResponse
 * with an empty partial_success (bytes 0a 00, application/x-protobuf); undecodable JSON → 400
 * `{"code":3,"message":...}`; undecodable protobuf → 400 with a google.rpc.Status body; any other
 * content type → 415 text. gzip/deflate bodies are inflated.
 */
export function createOtlpHttpHandler(store: TraceStore): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://sink").pathname;
    if (path !== "/v1/traces") return drainThen(req, () => text(res, 404, "404 page not found\n", "text/plain; charset=utf-8"));
    if (req.method !== "POST") return drainThen(req, () => text(res, 405, "405 method not allowed, supported: [POST]", "text/plain"));
    const mime = String(req.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim()
      .toLowerCase();
    if (mime !== "application/json" && mime !== "application/x-protobuf") return drainThen(req, () => text(res, 415, UNSUPPORTED, "text/plain"));
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OTLP_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("error", () => res.destroy());
    req.on("end", () => {
      if (tooLarge) return text(res, 413, `request body larger than ${MAX_OTLP_BODY_BYTES} bytes`, "text/plain");
      let body: Buffer;
      try {
        body = inflate(Buffer.concat(chunks), String(req.headers["content-encoding"] ?? ""));
      } catch (cause) {
        return text(res, 400, `failed to decompress the body: ${(cause as Error).message}`, "text/plain");
      }
      let records: ResourceSpansRecord[];
      try {
        records = mime === "application/json" ? decodeOtlpJsonTraces(body.toString("utf8")) : decodeExportTraceRequest(body);
      } catch (cause) {
        if (!(cause instanceof OtlpDecodeError)) throw cause;
        if (mime === "application/json") return text(res, 400, JSON.stringify({ code: GRPC_INVALID_ARGUMENT, message: cause.message }), "application/json");
        return send(res, 400, "application/x-protobuf", Buffer.from(encodeRpcStatus(GRPC_INVALID_ARGUMENT, cause.message)));
      }
      store.ingest(records, body.length);
      if (mime === "application/json") return text(res, 200, JSON.stringify({ partialSuccess: {} }), "application/json");
      return send(res, 200, "application/x-protobuf", EMPTY_PARTIAL_SUCCESS);
    });
  };
}

function inflate(body: Buffer, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case "":
    case "identity":
      return body;
    case "gzip":
      return gunzipSync(body);
    case "deflate":
      return inflateSync(body);
    default:
      throw new Error(`unsupported Content-Encoding ${JSON.stringify(encoding)}`);
  }
}

/** Answers after the request body is read, so the client never sees a reset mid-upload. */
function drainThen(req: IncomingMessage, answer: () => void): void {
  req.resume();
  req.on("end", answer);
  req.on("error", answer);
}

function text(res: ServerResponse, status: number, body: string, contentType: string): void {
  send(res, status, contentType, Buffer.from(body));
}

function send(res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  if (res.headersSent) return;
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": String(body.length) });
  res.end(body);
}
