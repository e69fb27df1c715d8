import { createRequire } from "node:module";

/**
 * Snappy BLOCK format (what remote-write and Loki protobuf push use, not the framed stream format),
 * via the pure-JS `snappyjs`. The native `snappy` package is deliberately not used: it leaked
 * gigabytes of RSS in tight encode loops here. snappyjs ships no types, hence this typed seam.
 */
interface SnappyJs {
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
interface SnappyJsCompressor {
  maxCompressedLength(): number;
  compressToBuffer(output: Uint8Array): number;
}
type SnappyJsCompressorClass = new (input: Uint8Array) => SnappyJsCompressor;

const require = createRequire(import.meta.url);
const snappyjs = require("snappyjs") as SnappyJs;
const { SnappyCompressor } = require("snappyjs/snappy_compressor") as { SnappyCompressor: SnappyJsCompressorClass };

/**
 * snappyjs' own `compress` allocates a zeroed worst-case output (~1.17x the input) per call and then
 * copies it; on the load hot path we compress into one reused output and copy only the result.
 */
let output = new Uint8Array(1 << 16);

/** Compresses `input` (a plain Uint8Array or a view of one) into a new, exactly sized array. */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const compressor = new SnappyCompressor(input);
  const maxLength = compressor.maxCompressedLength();
  if (output.length < maxLength) output = new Uint8Array(Math.max(maxLength, output.length * 2));
  const length = compressor.compressToBuffer(output);
  return output.slice(0, length);
}

/** Decompresses a snappy block; throws `Invalid Snappy bitstream` on corrupt input. */
export function snappyUncompress(input: Uint8Array, maxLength?: number): Uint8Array {
  return snappyjs.uncompress(input, maxLength);
}
