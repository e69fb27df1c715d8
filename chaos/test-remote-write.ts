import { compileSeries, encodeWriteRequestSnappy } from "../stack/clients/remote-write-encoding.ts";

/**
 * Test support: push numbered samples into a real Prometheus (the stack's remote-write encoding) and
 * read them back, so fault tests see what survived a fault.
 */
export const TEST_METRIC = "obsconf_chaos_test_seq";

/** One series `{__name__=TEST_METRIC, run}` with one sample per seq: value = seq, timestamp = startMs + seq. */
export function encodeSeqSamples(run: string, seqs: readonly number[], startMs: number): Uint8Array {
  return encodeWriteRequestSnappy({
    series: [compileSeries({ __name__: TEST_METRIC, run })],
    values: seqs,
    timestampsMs: seqs.map((seq) => startMs + seq),
    samplesPerSeries: seqs.length,
  });
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
