import { createRequire } from "node:module";
import protobuf from "protobufjs";

/**
 * Loki's push protobuf (`logproto.PushRequest`, the Promtail wire format) and its snappy BLOCK
 * compression. `google.protobuf.Timestamp` is declared inline under the same field numbers, which is
 * wire-identical. snappyjs ships no types, hence the small typed seam.
 */
const PROTO = `
syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`;
const PushRequestType = protobuf.parse(PROTO).root.lookupType("logproto.PushRequest");

export interface ProtoPushRequest {
  streams: { labels: string; entries: { tsNs: bigint; line: string }[] }[];
}

interface SnappyJs {
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
  compress(input: Uint8Array): Uint8Array;
}
const snappyjs = createRequire(import.meta.url)("snappyjs") as SnappyJs;

/** Largest decompressed push body the sink accepts (Loki's default gRPC/HTTP limits are of this order). */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** snappy block -> protobuf -> streams; throws `Error` with a Loki-like text on corrupt input. */
export function decodeProtoPush(body: Uint8Array): ProtoPushRequest {
  let raw: Uint8Array;
  try {
    raw = snappyjs.uncompress(body, MAX_DECOMPRESSED_BYTES);
  } catch (cause) {
    throw new Error("snappy: corrupt input", { cause });
  }
  let message: { streams?: { labels?: string; entries?: { timestamp?: { seconds?: string; nanos?: number }; line?: string }[] }[] };
  try {
    message = PushRequestType.toObject(PushRequestType.decode(raw), { longs: String }) as typeof message;
  } catch (cause) {
    throw new Error(`proto: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return {
    streams: (message.streams ?? []).map((s) => ({
      labels: s.labels ?? "",
      entries: (s.entries ?? []).map((e) => ({
        tsNs: BigInt(e.timestamp?.seconds ?? "0") * 1_000_000_000n + BigInt(e.timestamp?.nanos ?? 0),
        line: e.line ?? "",
      })),
    })),
  };
}

/** streams -> protobuf -> snappy block: the body of a `Content-Type: application/x-protobuf` push. */
export function encodeProtoPush(request: ProtoPushRequest): Uint8Array {
  const message = PushRequestType.fromObject({
    streams: request.streams.map((s) => ({
      labels: s.labels,
      entries: s.entries.map((e) => ({
        timestamp: { seconds: (e.tsNs / 1_000_000_000n).toString(), nanos: Number(e.tsNs % 1_000_000_000n) },
        line: e.line,
      })),
    })),
  });
  return snappyjs.compress(PushRequestType.encode(message).finish());
}
