import { HarnessError } from "../../common/errors.ts";
import { snappyCompress } from "./snappy-block.ts";

/**
 * Prometheus remote-write 1.0 encoder (`prometheus.WriteRequest`), hand-written for the load hot path:
 *   WriteRequest { repeated TimeSeries timeseries = 1 }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2 }
 *   Label        { string name = 1; string value = 2 }
 *   Sample       { double value = 1; int64 timestamp = 2 }
 * A series' labels are encoded once (`compileSeries`); per request only samples are written, into a
 * reused buffer. Both sample fields are always written, even when zero (valid protobuf; gogoproto
 * senders omit zeros, which decodes to the same message).
 */

/** A label set validated, sorted and pre-encoded once; reuse it for every request. */
export interface SeriesTemplate {
  /** Labels sorted by name (byte order, as the spec and Prometheus' `labels.New` sort). */
  readonly labels: readonly (readonly [name: string, value: string])[];
  /** `{__name__="x", a="b"}`-style text, for error messages and debugging. */
  readonly text: string;
  /** The repeated `Label` fields (TimeSeries field 1) exactly as they go on the wire. */
  readonly labelBytes: Uint8Array;
}

/**
 * Samples for one request. Layout is series-major: sample `j` of `series[i]` is at index
 * `i * samplesPerSeries + j` in both `values` and `timestampsMs`; `samplesPerSeries` defaults to 1
 * (one sample per series, the usual remote-write shape). Timestamps are integer ms since the epoch.
 */
export interface SampleBatch {
  series: readonly SeriesTemplate[];
  values: Float64Array | readonly number[];
  timestampsMs: Float64Array | readonly number[];
  samplesPerSeries?: number;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const utf8 = new TextEncoder();

export function compileSeries(labels: Record<string, string>): SeriesTemplate {
  const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = `{${sorted.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(", ")}}`;
  const fail = (problem: string) => new HarnessError(`remote-write series ${text}: ${problem}`);
  const name = labels.__name__;
  if (name === undefined) throw fail("expected a __name__ label, saw none");
  if (!METRIC_NAME.test(name)) throw fail(`expected __name__ to match [a-zA-Z_:][a-zA-Z0-9_:]*, saw ${JSON.stringify(name)}`);
  const parts: Uint8Array[] = [];
  for (const [labelName, value] of sorted) {
    if (!LABEL_NAME.test(labelName)) throw fail(`expected label names to match [a-zA-Z_][a-zA-Z0-9_]*, saw ${JSON.stringify(labelName)}`);
    if (value === "") throw fail(`expected a non-empty value for label ${labelName} (empty means absent), saw ""`);
    parts.push(encodeLabel(utf8.encode(labelName), utf8.encode(value)));
  }
  const labelBytes = allocateLabelBytes(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    labelBytes.set(part, offset);
    offset += part.length;
  }
  return Object.freeze({ labels: Object.freeze(sorted.map((l) => Object.freeze(l))), text, labelBytes });
}

/**
 * Label blocks are carved from shared 1 MiB slabs so that templates compiled together sit together in
 * memory: copying 100K scattered small arrays per pass was cache-miss bound.
 */
const SLAB_BYTES = 1 << 20;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;
function allocateLabelBytes(length: number): Uint8Array {
  if (length > SLAB_BYTES / 8) return new Uint8Array(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const bytes = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += (length + 7) & ~7;
  return bytes;
}

/** One `labels` field of TimeSeries: tag 1 (LEN), length, then Label{1: name, 2: value}. */
function encodeLabel(name: Uint8Array, value: Uint8Array): Uint8Array {
  const bodyLength = 1 + varintLength(name.length) + name.length + 1 + varintLength(value.length) + value.length;
  const out = new Uint8Array(1 + varintLength(bodyLength) + bodyLength);
  let p = 0;
  out[p++] = 0x0a;
  p = writeVarint(out, p, bodyLength);
  out[p++] = 0x0a;
  p = writeVarint(out, p, name.length);
  out.set(name, p);
  p += name.length;
  out[p++] = 0x12;
  p = writeVarint(out, p, value.length);
  out.set(value, p);
  return out;
}

let scratch = new Uint8Array(1 << 16);
let scratchView = new DataView(scratch.buffer);
let seriesLengths = new Int32Array(1024);

/** Encodes into the shared scratch buffer and returns the byte count (valid until the next call). */
function encodeIntoScratch(batch: SampleBatch): number {
  const { series, values, timestampsMs } = batch;
  const perSeries = batch.samplesPerSeries ?? 1;
  const sampleCount = series.length * perSeries;
  if (!Number.isInteger(perSeries) || perSeries < 1 || values.length !== sampleCount || timestampsMs.length !== sampleCount) {
    throw new HarnessError(
      `remote-write batch: expected ${sampleCount} values and ${sampleCount} timestamps (${series.length} series x ${perSeries} samplesPerSeries), ` +
        `saw ${values.length} values and ${timestampsMs.length} timestamps`,
    );
  }
  if (seriesLengths.length < series.length) seriesLengths = new Int32Array(Math.max(series.length, seriesLengths.length * 2));
  // Pass 1: exact sizes, so every length prefix is written once, minimally (as protobuf encoders do).
  let total = 0;
  for (let i = 0, k = 0; i < series.length; i++) {
    let length = series[i]!.labelBytes.length;
    for (let j = 0; j < perSeries; j++, k++) {
      const ts = timestampsMs[k]!;
      if (!(ts >= 0 && ts <= Number.MAX_SAFE_INTEGER && Math.floor(ts) === ts)) throw badTimestamp(k, ts);
      length += 12 + varintLength(ts); // 0x12 len | 0x09 f64 | 0x10 varint(ts); a sample body is < 128 bytes
    }
    seriesLengths[i] = length;
    total += 1 + varintLength(length) + length;
  }
  if (scratch.length < total) {
    let size = scratch.length;
    while (size < total) size *= 2;
    scratch = new Uint8Array(size);
    scratchView = new DataView(scratch.buffer);
  }
  // Pass 2: copy each label block, then write samples.
  const out = scratch;
  const view = scratchView;
  let p = 0;
  for (let i = 0, k = 0; i < series.length; i++) {
    const labelBytes = series[i]!.labelBytes;
    out[p++] = 0x0a;
    p = writeVarint(out, p, seriesLengths[i]!);
    out.set(labelBytes, p); // a builtin copy beats a byte loop at label-block sizes (~100 bytes)
    p += labelBytes.length;
    for (let j = 0; j < perSeries; j++, k++) {
      const ts = timestampsMs[k]!;
      out[p] = 0x12;
      out[p + 1] = 10 + varintLength(ts);
      out[p + 2] = 0x09;
      view.setFloat64(p + 3, values[k]!, true);
      out[p + 11] = 0x10;
      p = writeVarint(out, p + 12, ts);
    }
  }
  return p;
}

function badTimestamp(index: number, ts: number): HarnessError {
  return new HarnessError(`remote-write sample ${index}: expected an integer ms timestamp in [0, 2^53-1], saw ${ts}`);
}

/** Raw `prometheus.WriteRequest` protobuf (a fresh copy the caller owns). */
export function encodeWriteRequest(batch: SampleBatch): Uint8Array {
  const length = encodeIntoScratch(batch);
  return scratch.slice(0, length);
}

/** The remote-write HTTP body: the WriteRequest, snappy block compressed. */
export function encodeWriteRequestSnappy(batch: SampleBatch): Uint8Array {
  const length = encodeIntoScratch(batch);
  return snappyCompress(scratch.subarray(0, length));
}

/** Bytes of the unsigned varint of a non-negative integer up to 2^53-1. */
export function varintLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  if (value < 0x800000000) return 5;
  if (value < 0x40000000000) return 6;
  if (value < 0x2000000000000) return 7;
  return 8;
}

/** Writes the unsigned varint of a non-negative integer up to 2^53-1; returns the next offset. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  let p = offset;
  let lo = value >>> 0;
  let hi = (value - lo) / 0x100000000; // exact: both parts are integers below 2^32
  while (hi > 0) {
    out[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 0x7f) {
    out[p++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  out[p++] = lo;
  return p;
}
