import { createRequire } from "node:module";

/**
 * Test support: a minimal remote-write client (protobuf by hand + snappy block) so fault tests
 * can push numbered samples into a real Prometheus without importing load/ (chaos never does).
 */
const require = createRequire(import.meta.url);
const snappy = require("snappyjs") as { compress(input: Uint8Array): Uint8Array };

export const TEST_METRIC = "obsconf_chaos_test_seq";

function varint(value: number): number[] {
  const out: number[] = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function field(tag: number, bytes: readonly number[]): number[] {
  return [...varint((tag << 3) | 2), ...varint(bytes.length), ...bytes];
}

const text = (s: string) => [...Buffer.from(s, "utf8")];

/** One series `{__name__=TEST_METRIC, run}` with one sample per seq: value = seq, timestamp = startMs + seq. */
export function encodeSeqSamples(run: string, seqs: readonly number[], startMs: number): Uint8Array {
  const labels = [["__name__", TEST_METRIC], ["run", run]].flatMap(([n, v]) => field(1, [...field(1, text(n!)), ...field(2, text(v!))]));
  const samples = seqs.flatMap((seq) => {
    const value = Buffer.alloc(8);
    value.writeDoubleLE(seq);
    return field(2, [0x09, ...value, ...varint((2 << 3) | 0), ...varint(startMs + seq)]);
  });
  return snappy.compress(Uint8Array.from(field(1, [...labels, ...samples])));
}

/** POSTs the samples; resolves with the HTTP status (or `error: ...` when no answer came within timeoutMs). */
export async function pushSeqs(baseUrl: string, run: string, seqs: readonly number[], startMs: number, timeoutMs = 5_000): Promise<number | string> {
  try {
    const response = await fetch(`${baseUrl}/api/v1/write`, {
      method: "POST",
      headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" },
      body: encodeSeqSamples(run, seqs, startMs),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** The seqs Prometheus returns for the run (instant query of a range vector over the last hour). */
export async function readSeqs(baseUrl: string, run: string, timeoutMs = 5_000): Promise<number[]> {
  const query = `${TEST_METRIC}{run="${run}"}[1h]`;
  const response = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.json()) as { data?: { result?: { values: [number, string][] }[] } };
  return (body.data?.result ?? []).flatMap((r) => r.values.map(([, v]) => Number(v))).sort((a, b) => a - b);
}
