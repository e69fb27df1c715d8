/**
 * The on-the-wire shape of the log and trace canaries: what a writer in load/ emits and a reader in
 * assertions/ looks for. One definition, so the two can never drift apart.
 */

/** Stream labels of the log canary (Loki). */
export function logCanaryLabels(runId: string): Record<string, string> {
  return { service: "obsconf-canary", namespace: "ecomm-prod", level: "info", canary: "push", obsconf_run: runId };
}

/** LogQL selector of the log canary's stream. */
export function logCanarySelector(runId: string): string {
  return `{service="obsconf-canary", obsconf_run=${JSON.stringify(runId)}}`;
}

/** `ts=<ns> seq=<n> run=<runId> msg="obsconf log canary"`: logfmt, like the stack's own services. */
export function formatLogCanaryLine(seq: number, tsNs: string, runId: string): string {
  return `ts=${tsNs} seq=${seq} run=${runId} msg="obsconf log canary"`;
}

export interface LogCanaryLine {
  seq: number;
  tsNs: string;
  runId: string;
}

const LOG_LINE = /^ts=(\d+) seq=(\d+) run=(\S+) msg="obsconf log canary"$/;

/** Parses a canary line; undefined for any other line. */
export function parseLogCanaryLine(line: string): LogCanaryLine | undefined {
  const m = LOG_LINE.exec(line);
  return m ? { tsNs: m[1]!, seq: Number(m[2]), runId: m[3]! } : undefined;
}

/** Span attributes every span of a canary trace carries (the collector's sampling keeps `obsconf.canary`). */
export const TRACE_CANARY_ATTRIBUTES = { canary: "obsconf.canary", run: "obsconf.run", seq: "obsconf.seq" } as const;

/** Milliseconds -> the nanosecond string Loki and OTLP use (exact for integer ms). */
export function msToNsString(ms: number): string {
  return `${BigInt(Math.round(ms))}000000`;
}
