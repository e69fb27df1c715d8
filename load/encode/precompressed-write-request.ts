import { HarnessError } from "../../common/errors.ts";
import { writeVarint, varintLength, type SeriesTemplate } from "../../stack/clients/remote-write-encoding.ts";

/**
 * The remote-write hot path: one request's worth of series (a fixed group, as a sender's shard sends
 * them) is encoded AND snappy-compressed once, with holes where the samples go; per request only the
 * 8-byte values and one timestamp are written into the compressed bytes, then copied out.
 *
 * This is valid snappy because the block format is a varint of the uncompressed length followed by any
 * sequence of literal and copy elements, and copy offsets count back from the current output position:
 * - static bytes (TimeSeries tags and lengths, labels, the Sample header) are compressed greedily, copies
 *   only ever referring back to OTHER static bytes (which are the same in every request);
 * - each sample's double is a literal whose bytes sit at a known offset in the compressed output;
 * - all samples of a request share its timestamp, so the first series carries `0x10 <6-byte varint>` as a
 *   literal and every later series copies those 7 bytes from the series before it (a fixed distance).
 * The timestamp varint is always 6 bytes: ms timestamps in [2^35, 2^42) (1971-2109); others are refused.
 * Decoding yields exactly `encodeWriteRequest` of the same series, values and timestamp.
 */
export const MIN_TIMESTAMP_MS = 2 ** 35;
export const MAX_TIMESTAMP_MS = 2 ** 42 - 1;
const TS_VARINT_BYTES = 6;
/** Sample field: 0x12 len(16) | 0x09 f64 | 0x10 varint(ts, 6 bytes). */
const SAMPLE_BODY_BYTES = 1 + 8 + 1 + TS_VARINT_BYTES;

export class PrecompressedWriteRequest {
  /** Series (= samples) per request. The templates themselves are not kept: 100K of them cost ~100 MB. */
  readonly seriesCount: number;
  /** Bytes of the uncompressed WriteRequest. */
  readonly rawBytes: number;
  readonly #template: Uint8Array;
  readonly #view: DataView;
  /** Where each sample's little-endian double sits in the compressed bytes. */
  readonly #valueOffsets: Int32Array;
  /** Where the first series' 6-byte timestamp varint sits in the compressed bytes. */
  readonly #timestampOffset: number;

  private constructor(seriesCount: number, rawBytes: number, template: Uint8Array, valueOffsets: Int32Array, timestampOffset: number) {
    this.seriesCount = seriesCount;
    this.rawBytes = rawBytes;
    this.#template = template;
    this.#view = new DataView(template.buffer, template.byteOffset, template.byteLength);
    this.#valueOffsets = valueOffsets;
    this.#timestampOffset = timestampOffset;
  }

  /** Compiles a group (one sample per series per request); costs one greedy compression of the group. */
  static build(series: readonly SeriesTemplate[]): PrecompressedWriteRequest {
    if (series.length === 0) throw new HarnessError("precompressed write request: expected at least one series, saw none");
    // Lay out the uncompressed request and mark what is static.
    let rawBytes = 0;
    for (const s of series) {
      const length = s.labelBytes.length + 2 + SAMPLE_BODY_BYTES;
      rawBytes += 1 + varintLength(length) + length;
    }
    const raw = new Uint8Array(rawBytes);
    const isStatic = new Uint8Array(rawBytes).fill(1);
    const valuePositions = new Int32Array(series.length);
    const forcedCopies: { at: number; from: number }[] = [];
    let p = 0;
    let previousTs = -1;
    series.forEach((s, i) => {
      const length = s.labelBytes.length + 2 + SAMPLE_BODY_BYTES;
      raw[p++] = 0x0a;
      p = writeVarint(raw, p, length);
      raw.set(s.labelBytes, p);
      p += s.labelBytes.length;
      raw[p++] = 0x12;
      raw[p++] = SAMPLE_BODY_BYTES;
      raw[p++] = 0x09;
      valuePositions[i] = p;
      isStatic.fill(0, p, p + 8);
      p += 8;
      // `0x10 ts`: dynamic (its bytes change per request), so never a copy source for static bytes.
      isStatic.fill(0, p, p + 1 + TS_VARINT_BYTES);
      if (previousTs >= 0) forcedCopies.push({ at: p, from: previousTs });
      raw[p] = 0x10;
      previousTs = p;
      p += 1 + TS_VARINT_BYTES;
    });
    const { bytes, holeOffsets } = compressWithHoles(raw, isStatic, forcedCopies, [...valuePositions, valuePositions[0]! + 8 + 1]);
    return new PrecompressedWriteRequest(series.length, rawBytes, bytes, Int32Array.from(holeOffsets.slice(0, series.length)), holeOffsets[series.length]!);
  }

  /** Compressed bytes per request (the HTTP body length). */
  get compressedBytes(): number {
    return this.#template.length;
  }

  /**
   * Rewrites the timestamp of a body this group encoded, in place (every sample of a request shares it):
   * what a replaying sender does to resend a pre-encoded request as new samples, at no encoding cost.
   */
  retimestamp(body: Uint8Array, timestampMs: number): void {
    if (body.length !== this.#template.length) {
      throw new HarnessError(`precompressed write request: expected a body of this group (${this.#template.length} bytes), saw ${body.length} bytes`);
    }
    checkTimestamp(timestampMs);
    writeVarint(body, this.#timestampOffset, timestampMs);
  }

  /**
   * The snappy-compressed WriteRequest with `values[i]` for `series[i]`, all at `timestampMs` (a fresh
   * copy the caller owns; the group can be encoded again while it is in flight).
   */
  encode(values: Float64Array | readonly number[], timestampMs: number): Uint8Array {
    this.#write(this.#view, this.#template, values, timestampMs);
    return this.#template.slice();
  }

  /**
   * Like `encode`, but rewrites a body this group encoded earlier, in place, instead of allocating a new
   * one. On the generator's hot path this is what keeps a send's cost near a replay's: measured here
   * against a no-op receiver, allocating a fresh ~49 KB body per request (2,000 series) cost ~0.15 ms of
   * CPU per send (the garbage collector's share of external memory), about as much as the send itself.
   * The body must not be in flight while it is rewritten.
   */
  encodeInto(body: Uint8Array, values: Float64Array | readonly number[], timestampMs: number): Uint8Array {
    if (body.length !== this.#template.length) {
      throw new HarnessError(`precompressed write request: expected a body of this group (${this.#template.length} bytes), saw ${body.length} bytes`);
    }
    this.#write(new DataView(body.buffer, body.byteOffset, body.byteLength), body, values, timestampMs);
    return body;
  }

  #write(view: DataView, bytes: Uint8Array, values: Float64Array | readonly number[], timestampMs: number): void {
    const offsets = this.#valueOffsets;
    if (values.length !== offsets.length) {
      throw new HarnessError(`precompressed write request: expected ${offsets.length} values (one per series), saw ${values.length}`);
    }
    checkTimestamp(timestampMs);
    for (let i = 0; i < offsets.length; i++) view.setFloat64(offsets[i]!, values[i]!, true);
    writeVarint(bytes, this.#timestampOffset, timestampMs);
  }
}

function checkTimestamp(timestampMs: number): void {
  if (!(Number.isInteger(timestampMs) && timestampMs >= MIN_TIMESTAMP_MS && timestampMs <= MAX_TIMESTAMP_MS)) {
    throw new HarnessError(`precompressed write request: expected an integer ms timestamp in [2^35, 2^42) (1971-2109), saw ${timestampMs}`);
  }
}

/**
 * Greedy snappy compression of `raw` where only `isStatic` bytes may be matched (as source and target);
 * `forcedCopies` become copies of 7 bytes from an earlier position; every other byte is a literal.
 * Returns the block and, for each `holes` position, where that raw byte landed in the compressed output.
 */
function compressWithHoles(
  raw: Uint8Array,
  isStatic: Uint8Array,
  forcedCopies: readonly { at: number; from: number }[],
  holes: readonly number[],
): { bytes: Uint8Array; holeOffsets: number[] } {
  const n = raw.length;
  const out = new Uint8Array(2 * n + 64); // literals add < 2 %, copies never grow past 5 bytes per 4 matched
  let o = writeVarint(out, 0, n);
  const forcedAt = new Map(forcedCopies.map((c) => [c.at, c.from]));
  const sortedHoles = holes.map((at, index) => ({ at, index })).sort((a, b) => a.at - b.at);
  const holeOffsets = new Array<number>(holes.length).fill(-1);
  let nextHole = 0;
  const HASH_BITS = 14;
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  const read32 = (i: number) => (raw[i]! | (raw[i + 1]! << 8) | (raw[i + 2]! << 16) | (raw[i + 3]! << 24)) >>> 0;
  const hashAt = (i: number) => Math.imul(read32(i), 0x1e35a7bd) >>> (32 - HASH_BITS);
  const static4 = (i: number) => i + 4 <= n && isStatic[i]! & isStatic[i + 1]! & isStatic[i + 2]! & isStatic[i + 3]!;
  let literalStart = -1;

  const flushLiteral = (end: number) => {
    if (literalStart < 0) return;
    const length = end - literalStart;
    const lm1 = length - 1;
    if (lm1 < 60) out[o++] = lm1 << 2;
    else if (lm1 < 0x100) (out[o++] = 60 << 2), (out[o++] = lm1);
    else if (lm1 < 0x10000) (out[o++] = 61 << 2), (out[o++] = lm1 & 0xff), (out[o++] = lm1 >>> 8);
    else (out[o++] = 62 << 2), (out[o++] = lm1 & 0xff), (out[o++] = (lm1 >>> 8) & 0xff), (out[o++] = lm1 >>> 16);
    while (nextHole < sortedHoles.length && sortedHoles[nextHole]!.at < end) {
      const hole = sortedHoles[nextHole++]!;
      if (hole.at >= literalStart) holeOffsets[hole.index] = o + (hole.at - literalStart);
    }
    out.set(raw.subarray(literalStart, end), o);
    o += length;
    literalStart = -1;
  };
  const emitCopy = (offset: number, length: number) => {
    while (length > 0) {
      const chunk = length >= 68 ? 64 : length > 64 ? 60 : length;
      if (chunk >= 4 && chunk <= 11 && offset < 2048) {
        out[o++] = 1 | ((chunk - 4) << 2) | ((offset >>> 8) << 5);
        out[o++] = offset & 0xff;
      } else if (offset < 0x10000) {
        out[o++] = 2 | ((chunk - 1) << 2);
        out[o++] = offset & 0xff;
        out[o++] = offset >>> 8;
      } else {
        out[o++] = 3 | ((chunk - 1) << 2);
        out[o++] = offset & 0xff;
        out[o++] = (offset >>> 8) & 0xff;
        out[o++] = (offset >>> 16) & 0xff;
        out[o++] = offset >>> 24;
      }
      length -= chunk;
    }
  };

  let p = 0;
  while (p < n) {
    const from = forcedAt.get(p);
    if (from !== undefined) {
      flushLiteral(p);
      emitCopy(p - from, 1 + TS_VARINT_BYTES);
      p += 1 + TS_VARINT_BYTES;
      continue;
    }
    if (static4(p)) {
      const h = hashAt(p);
      const candidate = table[h]!;
      table[h] = p;
      if (candidate >= 0 && read32(candidate) === read32(p)) {
        let length = 4;
        while (p + length < n && isStatic[p + length] && isStatic[candidate + length] && raw[candidate + length] === raw[p + length]) length++;
        flushLiteral(p);
        emitCopy(p - candidate, length);
        for (let i = p + 1; i < p + length; i++) if (static4(i)) table[hashAt(i)] = i;
        p += length;
        continue;
      }
    }
    if (literalStart < 0) literalStart = p;
    p++;
  }
  flushLiteral(n);
  if (holeOffsets.some((offset) => offset < 0)) throw new HarnessError("precompressed write request: a sample hole was not emitted as a literal (encoder bug)");
  return { bytes: out.slice(0, o), holeOffsets };
}
