import { gunzipSync, inflateSync } from "node:zlib";
import { formatLabels, LabelParseError, parseLabelText, type Labels } from "./label-text.ts";
import type { PushedStream } from "./log-store.ts";
import { decodeProtoPush, MAX_DECOMPRESSED_BYTES } from "./logproto.ts";
import { withServiceName } from "./loki-ingest-rules.ts";
import { decodeJsonPush } from "./push-json.ts";

/**
 * A push body as Loki 3.5 parses it (push.ParseRequest): `Content-Encoding: gzip|deflate` is undone first;
 * `application/json` is the JSON format, any other type (or none) is snappy-compressed protobuf. A body
 * that cannot be decoded, or any stream whose labels do not parse (`couldn't parse labels: 1:33: ...`),
 * is a `PushDecodeError`: nothing of the request is stored. Every stream without `service_name` gets one
 * (`withServiceName`), so a stream pushed with no labels is stored as `{service_name="unknown_service"}`.
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
}

export function decodePush({ contentType, contentEncoding, body }: { contentType: string; contentEncoding: string; body: Buffer }): DecodedPush {
  const raw = decodeContentEncoding(contentEncoding.trim().toLowerCase(), body);
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/json") {
    let streams: ReturnType<typeof decodeJsonPush>;
    try {
      streams = decodeJsonPush(raw);
    } catch (cause) {
      throw new PushDecodeError(400, (cause as Error).message, { cause });
    }
    // Loki renders the label map to text and parses it again, hence LogQL-style errors for bad names.
    return validate(streams.map((s) => ({ labelText: formatLabels(s.labels), entries: s.entries })));
  }
  let request: ReturnType<typeof decodeProtoPush>;
  try {
    request = decodeProtoPush(raw);
  } catch (cause) {
    throw new PushDecodeError(400, (cause as Error).message, { cause });
  }
  return validate(request.streams.map((s) => ({ labelText: s.labels, entries: s.entries })));
}

function validate(streams: { labelText: string; entries: PushedStream["entries"] }[]): DecodedPush {
  return {
    streams: streams.map((stream) => {
      let labels: Labels;
      try {
        labels = withoutEmptyValues(parseLabelText(stream.labelText));
      } catch (cause) {
        if (!(cause instanceof LabelParseError)) throw cause;
        throw new PushDecodeError(400, `couldn't parse labels: ${cause.message}`, { cause });
      }
      return { labels: withServiceName(labels), entries: stream.entries };
    }),
  };
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
