import { gunzipSync, inflateSync } from "node:zlib";
import { formatLabels, LabelParseError, parseLabelText, type Labels } from "./label-text.ts";
import type { PushedStream } from "./log-store.ts";
import { decodeProtoPush, MAX_DECOMPRESSED_BYTES } from "./logproto.ts";
import { decodeJsonPush } from "./push-json.ts";

/**
 * A push body as Loki 2.8's distributor takes it: `Content-Encoding: gzip|deflate` is undone first;
 * `application/json` is the JSON format, any other type (or none) is snappy-compressed protobuf.
 * A body that cannot be decoded is a `PushDecodeError` (nothing stored). Streams with unusable labels
 * are left out and the last such error is returned as `rejection`: Loki stores the other streams and
 * still answers 400 with that text.
 */
export class PushDecodeError extends Error {
  override name: string = "PushDecodeError";
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DecodedPush {
  readonly streams: PushedStream[];
  readonly rejection?: string;
}

export const MISSING_LABELS = "error at least one label pair is required per stream";

export function decodePush({ contentType, contentEncoding, body }: { contentType: string; contentEncoding: string; body: Buffer }): DecodedPush {
  const raw = decodeContentEncoding(contentEncoding.trim().toLowerCase(), body);
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/json") {
    let streams;
    try {
      streams = decodeJsonPush(raw);
    } catch (cause) {
      throw new PushDecodeError(400, (cause as Error).message, { cause });
    }
    // Loki renders the label map to text and parses it again, hence LogQL-style errors for bad names.
    return validate(streams.map((s) => ({ labelText: formatLabels(s.labels), entries: s.entries })));
  }
  let request;
  try {
    request = decodeProtoPush(raw);
  } catch (cause) {
    throw new PushDecodeError(400, (cause as Error).message, { cause });
  }
  return validate(request.streams.map((s) => ({ labelText: s.labels, entries: s.entries })));
}

function validate(streams: { labelText: string; entries: PushedStream["entries"] }[]): DecodedPush {
  const valid: PushedStream[] = [];
  let rejection: string | undefined;
  for (const stream of streams) {
    let labels: Labels;
    try {
      labels = withoutEmptyValues(parseLabelText(stream.labelText));
    } catch (cause) {
      if (!(cause instanceof LabelParseError)) throw cause;
      rejection = cause.message;
      continue;
    }
    if (Object.keys(labels).length === 0) {
      rejection = MISSING_LABELS;
      continue;
    }
    valid.push({ labels, entries: stream.entries });
  }
  return rejection === undefined ? { streams: valid } : { streams: valid, rejection };
}

function decodeContentEncoding(encoding: string, body: Buffer): Buffer {
  try {
    if (encoding === "" || encoding === "identity") return body;
    if (encoding === "gzip") return gunzipSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    if (encoding === "deflate") return inflateSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (cause) {
    throw new PushDecodeError(400, `${encoding}: invalid header`, { cause });
  }
  throw new PushDecodeError(415, `Content-Encoding "${encoding}" not supported`);
}

function withoutEmptyValues(labels: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(labels)) if (labels[name] === "") delete labels[name];
  return labels;
}
