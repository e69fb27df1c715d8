import { HarnessError } from "../../common/errors.ts";
import { formatLokiLabels } from "./loki-push.ts";
import { varintLength, writeVarint } from "../../stack/clients/remote-write-encoding.ts";
import { snappyCompress } from "../../stack/clients/snappy-block.ts";

/**
 * The Loki push hot path (protobuf + snappy): a fixed pool of lines whose stream label fields and
 * `EntryAdapter.line` fields are encoded once; per push only the timestamps are written and the body
 * compressed. Byte-identical to `encodeLokiPushProtobuf` for the same streams, entries and timestamps
 * (streams in pool order of first appearance, entries in pick order).
 */
export interface LokiPoolLine {
  /** Index into the template's streams. */
  stream: number;
  line: string;
}

const utf8 = new TextEncoder();

export class LokiPushTemplate {
  readonly #labelFields: Uint8Array[];
  readonly #lineFields: Uint8Array[];
  readonly #lineStream: Int32Array;
  /** UTF-8 bytes of each line (what Loki counts as received bytes). */
  readonly lineBytes: Int32Array;
  #counts: Int32Array;
  #order: Int32Array;
  #out = new Uint8Array(1 << 16);

  constructor(streams: readonly Readonly<Record<string, string>>[], lines: readonly LokiPoolLine[]) {
    this.#labelFields = streams.map((labels) => field(0x0a, utf8.encode(formatLokiLabels(labels))));
    const encoded = lines.map(({ stream, line }) => {
      if (!(stream >= 0 && stream < streams.length))
        throw new HarnessError(`loki push template: expected a stream index in [0, ${streams.length}), saw ${stream}`);
      if (line === "") throw new HarnessError("loki push template: expected non-empty lines, saw an empty one");
      return utf8.encode(line);
    });
    this.#lineFields = encoded.map((bytes) => field(0x12, bytes));
    this.#lineStream = Int32Array.from(lines, (l) => l.stream);
    this.lineBytes = Int32Array.from(encoded, (bytes) => bytes.length);
    this.#counts = new Int32Array(streams.length);
    this.#order = new Int32Array(1024);
  }

  get lineCount(): number {
    return this.#lineFields.length;
  }

  /**
   * The PushRequest (raw protobuf, valid until the next call) of `picks` (line indexes), the j-th pick
   * stamped `timestampMs` ms + `firstNs` + j ns (all within the same ms; `firstNs + picks.length` <= 10^6).
   */
  encodeRaw(picks: Int32Array, timestampMs: number, firstNs: number): Uint8Array {
    const n = picks.length;
    if (!(Number.isInteger(timestampMs) && timestampMs > 0 && firstNs >= 0 && firstNs + n <= 1_000_000)) {
      throw new HarnessError(`loki push template: expected an integer ms timestamp > 0 and firstNs + picks <= 10^6, saw ${timestampMs} ms, ${firstNs} + ${n}`);
    }
    const streams = this.#labelFields.length;
    const counts = this.#counts.fill(0);
    for (let j = 0; j < n; j++) counts[this.#lineStream[picks[j]!]!]! += 1;
    // Pick positions grouped by stream (a stable counting sort), streams in index order.
    if (this.#order.length < n) this.#order = new Int32Array(n * 2);
    const order = this.#order;
    const starts = new Int32Array(streams + 1);
    for (let s = 0; s < streams; s++) starts[s + 1] = starts[s]! + counts[s]!;
    const fill = starts.slice(0, streams);
    for (let j = 0; j < n; j++) order[fill[this.#lineStream[picks[j]!]!]!++] = j;
    const seconds = Math.floor(timestampMs / 1000);
    const nanosBase = (timestampMs % 1000) * 1_000_000 + firstNs;
    const secondsField = 1 + varintLength(seconds);
    // Sizes.
    const streamSizes = new Int32Array(streams);
    let total = 0;
    for (let s = 0; s < streams; s++) {
      if (counts[s] === 0) continue;
      let size = this.#labelFields[s]!.length;
      for (let k = starts[s]!; k < starts[s + 1]!; k++) {
        const j = order[k]!;
        const nanos = nanosBase + j;
        const tsSize = secondsField + (nanos > 0 ? 1 + varintLength(nanos) : 0);
        const entrySize = 1 + varintLength(tsSize) + tsSize + this.#lineFields[picks[j]!]!.length;
        size += 1 + varintLength(entrySize) + entrySize;
      }
      streamSizes[s] = size;
      total += 1 + varintLength(size) + size;
    }
    if (this.#out.length < total) this.#out = new Uint8Array(Math.max(total, this.#out.length * 2));
    const out = this.#out;
    let p = 0;
    for (let s = 0; s < streams; s++) {
      if (counts[s] === 0) continue;
      out[p++] = 0x0a;
      p = writeVarint(out, p, streamSizes[s]!);
      out.set(this.#labelFields[s]!, p);
      p += this.#labelFields[s]!.length;
      for (let k = starts[s]!; k < starts[s + 1]!; k++) {
        const j = order[k]!;
        const nanos = nanosBase + j;
        const tsSize = secondsField + (nanos > 0 ? 1 + varintLength(nanos) : 0);
        const line = this.#lineFields[picks[j]!]!;
        out[p++] = 0x12;
        p = writeVarint(out, p, 1 + varintLength(tsSize) + tsSize + line.length);
        out[p++] = 0x0a;
        p = writeVarint(out, p, tsSize);
        out[p++] = 0x08;
        p = writeVarint(out, p, seconds);
        if (nanos > 0) {
          out[p++] = 0x10;
          p = writeVarint(out, p, nanos);
        }
        out.set(line, p);
        p += line.length;
      }
    }
    if (p !== total) throw new HarnessError(`loki push template: expected to write ${total} bytes, wrote ${p}`);
    return out.subarray(0, total);
  }

  /** The push body (`Content-Type: application/x-protobuf`): `encodeRaw`, snappy block-compressed, a fresh copy. */
  encodeSnappy(picks: Int32Array, timestampMs: number, firstNs: number): Uint8Array {
    return snappyCompress(this.encodeRaw(picks, timestampMs, firstNs));
  }
}

function field(tag: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + varintLength(bytes.length) + bytes.length);
  out[0] = tag;
  out.set(bytes, writeVarint(out, 1, bytes.length));
  return out;
}
