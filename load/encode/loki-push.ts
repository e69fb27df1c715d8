import { HarnessError } from "../../common/errors.ts";
import { snappyCompress } from "../../stack/clients/snappy-block.ts";

/**
 * Loki push bodies (`POST /loki/api/v1/push`), both wire formats Loki 2.8 accepts:
 * - JSON: `{"streams":[{"stream":{"a":"b"},"values":[["<ns as a string>","line"]]}]}` (a numeric
 *   timestamp is a 400 decoder error);
 * - protobuf + snappy block (Promtail's format), hand-written for the load hot path:
 *     PushRequest   { repeated StreamAdapter streams = 1 }
 *     StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3 (unset) }
 *     EntryAdapter  { google.protobuf.Timestamp timestamp = 1; string line = 2 }
 *     Timestamp     { int64 seconds = 1; int32 nanos = 2 }
 *   Zero scalars are omitted, as Go's gogoproto does; the timestamp message is always written.
 */
export interface LokiEntry {
  /** Nanoseconds since the epoch as a decimal string (exact; a number cannot hold it). */
  tsNs: string;
  line: string;
}

export interface LokiStream {
  labels: Readonly<Record<string, string>>;
  entries: readonly LokiEntry[];
}

export type LokiPushEncoding = "json" | "protobuf";

/** Headers for `createHttpTransport`; protobuf needs no Content-Encoding (Loki always snappy-decodes it). */
export const LOKI_PUSH_HEADERS: Readonly<Record<LokiPushEncoding, Readonly<Record<string, string>>>> = Object.freeze({
  json: Object.freeze({ "Content-Type": "application/json" }),
  protobuf: Object.freeze({ "Content-Type": "application/x-protobuf" }),
});

export interface LokiLabelsOptions {
  /** `sorted` (default, what Promtail sends) or `as-given` (insertion order; Loki sorts on parse). */
  order?: "sorted" | "as-given";
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TS_NS = /^\d{1,19}$/;

/** `{a="b", c="d"}`: Prometheus label syntax, values quoted and escaped (`"`, `\`, control characters). */
export function formatLokiLabels(labels: Readonly<Record<string, string>>, { order = "sorted" }: LokiLabelsOptions = {}): string {
  const pairs = Object.entries(labels);
  if (order === "sorted") pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = `{${pairs.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(", ")}}`;
  if (pairs.length === 0) throw new HarnessError("loki push stream {}: expected at least one label, saw none");
  for (const [name] of pairs) {
    if (!LABEL_NAME.test(name))
      throw new HarnessError(`loki push stream ${text}: expected label names to match [a-zA-Z_][a-zA-Z0-9_]*, saw ${JSON.stringify(name)}`);
  }
  return text;
}

function checkTimestamp(labelsText: string, tsNs: string): void {
  if (!TS_NS.test(tsNs))
    throw new HarnessError(`loki push stream ${labelsText}: expected a timestamp of 1-19 decimal digits (ns), saw ${JSON.stringify(tsNs)}`);
}

export function encodeLokiPushJson(streams: readonly LokiStream[]): Uint8Array {
  const body = {
    streams: streams.map(({ labels, entries }) => {
      const text = formatLokiLabels(labels);
      return { stream: labels, values: entries.map(({ tsNs, line }) => (checkTimestamp(text, tsNs), [tsNs, line])) };
    }),
  };
  return utf8.encode(JSON.stringify(body));
}

/** The `logproto.PushRequest` bytes, before snappy. */
export function encodeLokiPushProtobuf(streams: readonly LokiStream[], options: LokiLabelsOptions = {}): Uint8Array {
  // Pass 1: sizes of every nested message, so pass 2 writes once into an exactly sized buffer.
  const labelTexts: string[] = [];
  const sizes: number[] = []; // per stream: [labels bytes, stream size, then per entry: line bytes, ts size, entry size]
  let total = 0;
  for (const { labels, entries } of streams) {
    const text = formatLokiLabels(labels, options);
    labelTexts.push(text);
    const labelBytes = Buffer.byteLength(text, "utf8");
    const at = sizes.length;
    sizes.push(labelBytes, 0);
    let streamSize = 1 + varintLength(labelBytes) + labelBytes;
    for (const { tsNs, line } of entries) {
      checkTimestamp(text, tsNs);
      const lineBytes = Buffer.byteLength(line, "utf8");
      const seconds = secondsOf(tsNs);
      const nanos = nanosOf(tsNs);
      const tsSize = (seconds > 0 ? 1 + varintLength(seconds) : 0) + (nanos > 0 ? 1 + varintLength(nanos) : 0);
      const entrySize = 1 + varintLength(tsSize) + tsSize + (lineBytes > 0 ? 1 + varintLength(lineBytes) + lineBytes : 0);
      sizes.push(lineBytes, tsSize, entrySize);
      streamSize += 1 + varintLength(entrySize) + entrySize;
    }
    sizes[at + 1] = streamSize;
    total += 1 + varintLength(streamSize) + streamSize;
  }

  const out = Buffer.allocUnsafeSlow(total);
  let pos = 0;
  const varint = (value: number) => {
    while (value >= 0x80) {
      out[pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    out[pos++] = value;
  };
  let k = 0;
  streams.forEach(({ entries }, s) => {
    const labelBytes = sizes[k++]!;
    out[pos++] = 0x0a; // PushRequest.streams
    varint(sizes[k++]!);
    out[pos++] = 0x0a; // StreamAdapter.labels
    varint(labelBytes);
    pos += out.write(labelTexts[s]!, pos, labelBytes, "utf8");
    for (const { tsNs, line } of entries) {
      const lineBytes = sizes[k++]!;
      const tsSize = sizes[k++]!;
      out[pos++] = 0x12; // StreamAdapter.entries
      varint(sizes[k++]!);
      out[pos++] = 0x0a; // EntryAdapter.timestamp
      varint(tsSize);
      const seconds = secondsOf(tsNs);
      const nanos = nanosOf(tsNs);
      if (seconds > 0) {
        out[pos++] = 0x08; // Timestamp.seconds
        varint(seconds);
      }
      if (nanos > 0) {
        out[pos++] = 0x10; // Timestamp.nanos
        varint(nanos);
      }
      if (lineBytes > 0) {
        out[pos++] = 0x12; // EntryAdapter.line
        varint(lineBytes);
        pos += out.write(line, pos, lineBytes, "utf8");
      }
    }
  });
  if (pos !== total) throw new HarnessError(`loki push protobuf: expected to write ${total} bytes, wrote ${pos}`);
  return new Uint8Array(out.buffer, out.byteOffset, total);
}

/** What goes on the wire with `Content-Type: application/x-protobuf`: the PushRequest, snappy block-compressed. */
export function encodeLokiPushProtobufSnappy(streams: readonly LokiStream[], options: LokiLabelsOptions = {}): Uint8Array {
  return snappyCompress(encodeLokiPushProtobuf(streams, options));
}

/** The body for `encoding`; send it with `LOKI_PUSH_HEADERS[encoding]`. */
export function encodeLokiPush(encoding: LokiPushEncoding, streams: readonly LokiStream[]): Uint8Array {
  return encoding === "json" ? encodeLokiPushJson(streams) : encodeLokiPushProtobufSnappy(streams);
}

const utf8 = new TextEncoder();
const secondsOf = (tsNs: string) => (tsNs.length > 9 ? Number(tsNs.slice(0, -9)) : 0);
const nanosOf = (tsNs: string) => Number(tsNs.slice(-9));

function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}
