import { formatLabels, type Labels } from "./label-text.ts";

/**
 * What Loki 3.5's distributor and ingester do to a pushed entry before it is stored, with the defaults
 * the manifest keeps (`limits_config`: reject_old_samples 168h, creation_grace_period 10m,
 * discover_service_name, discover_log_levels; ingester max_chunk_age 2h, unordered writes): recorded
 * against the pinned binary in `stack/clients/fixtures/loki-3.5.0/`.
 */
const HOUR_NS = 3_600_000_000_000n;
export const LOKI_INGEST_DEFAULTS = {
  /** `reject_old_samples_max_age`: entries older than now - 168h are refused by the distributor. */
  rejectOldSamplesMaxAgeNs: 168n * HOUR_NS,
  /** `creation_grace_period`: entries newer than now + 10m are refused. */
  creationGracePeriodNs: 600_000_000_000n,
  /** Unordered writes: an entry older than the stream's newest - max_chunk_age/2 (1 h) is "too far behind". */
  unorderedWindowNs: HOUR_NS,
  /** `discover_service_name`: the first of these labels names the service, else `unknown_service`. */
  discoverServiceName: [
    "service",
    "app",
    "application",
    "app_name",
    "name",
    "app_kubernetes_io_name",
    "container",
    "container_name",
    "k8s_container_name",
    "component",
    "workload",
    "job",
    "k8s_job_name",
  ],
} as const;

export const SERVICE_NAME_LABEL = "service_name";
export const DETECTED_LEVEL = "detected_level";

/** Loki 3.x adds `service_name` to a stream that has none (push.ParseRequest), so no stream is ever label-less. */
export function withServiceName(labels: Labels): Labels {
  if (labels[SERVICE_NAME_LABEL] !== undefined) return labels;
  const from = LOKI_INGEST_DEFAULTS.discoverServiceName.find((name) => (labels[name] ?? "") !== "");
  return { ...labels, [SERVICE_NAME_LABEL]: from === undefined ? "unknown_service" : labels[from]! };
}

/** `limits_config.log_level_fields` default. */
const LEVEL_FIELDS = ["level", "LEVEL", "Level", "Severity", "severity", "SEVERITY", "lvl", "LVL", "Lvl", "severity_text", "Severity_Text", "SEVERITY_TEXT"];
const LEVEL_NAMES: readonly [readonly string[], string][] = [
  [["trace", "trc"], "trace"],
  [["debug", "dbg"], "debug"],
  [["info", "inf"], "info"],
  [["warn", "wrn", "warning"], "warn"],
  [["error", "err"], "error"],
  [["critical"], "critical"],
  [["fatal"], "fatal"],
];

/**
 * `detected_level` structured metadata (discover_log_levels, FieldDetector.extractLogLevel): a level label
 * verbatim; else the line's JSON or logfmt level field, normalised; else keywords in the line; else `unknown`.
 */
export function detectLogLevel(labels: Labels, line: string): string {
  const fromLabel = LEVEL_FIELDS.find((name) => labels[name] !== undefined);
  if (fromLabel !== undefined) return labels[fromLabel]!;
  const field = isJsonLine(line) ? jsonLevel(line) : isLogfmtLine(line) ? logfmtField(line, LEVEL_FIELDS) : undefined;
  if (field === undefined) return levelFromKeywords(line);
  const lower = field.toLowerCase();
  return LEVEL_NAMES.find(([names]) => names.includes(lower))?.[1] ?? levelFromKeywords(line);
}

function levelFromKeywords(line: string): string {
  if (/info:|INFO:|info|INFO/.test(line)) return "info";
  if (/err:|ERR:|error|ERROR/.test(line)) return "error";
  if (/warn:|WARN:|warning|WARNING/.test(line)) return "warn";
  if (/CRITICAL:|critical:/.test(line)) return "critical";
  if (/debug:|DEBUG:/.test(line)) return "debug";
  return "unknown";
}

function isJsonLine(line: string): boolean {
  const t = line.trim();
  return t.startsWith("{") && t.endsWith("}");
}

function jsonLevel(line: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  for (const name of LEVEL_FIELDS) {
    const value = (parsed as Record<string, unknown>)[name];
    if (typeof value === "string") return value;
  }
  return undefined;
}

/** Loki's isLogFmt: the first key=value pair decodes. */
function isLogfmtLine(line: string): boolean {
  return /^\s*[^\s="]+=/.test(line);
}

/** The value of the first of `hints` (case-insensitive, earlier hints win) among the line's logfmt pairs. */
function logfmtField(line: string, hints: readonly string[]): string | undefined {
  const pair = /([^\s="]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  let best: { rank: number; value: string } | undefined;
  for (const m of line.matchAll(pair)) {
    const rank = hints.findIndex((h) => h.toLowerCase() === m[1]!.toLowerCase());
    if (rank >= 0 && (best === undefined || rank < best.rank)) best = { rank, value: m[2] ?? m[3] ?? "" };
    if (best?.rank === 0) break;
  }
  return best?.value;
}

/** The distributor's per-entry age checks; the message names the stream (with service_name) and both times. */
export function entryAgeError(labels: Labels, tsNs: bigint, nowNs: bigint): string | undefined {
  const oldest = nowNs - LOKI_INGEST_DEFAULTS.rejectOldSamplesMaxAgeNs;
  if (tsNs < oldest)
    return `entry for stream '${formatLabels(labels)}' has timestamp too old: ${rfc3339(tsNs)}, oldest acceptable timestamp is: ${rfc3339(oldest)}`;
  if (tsNs > nowNs + LOKI_INGEST_DEFAULTS.creationGracePeriodNs) return `entry for stream '${formatLabels(labels)}' has timestamp too new: ${rfc3339(tsNs)}`;
  return undefined;
}

/** The ingester's answer for entries outside the unordered-write window of their stream. */
export function tooFarBehindError(labels: Labels, failed: readonly { tsNs: bigint; cutoffNs: bigint }[], total: number): string {
  const lines = failed.map(
    (f) =>
      `entry with timestamp ${goTimeString(f.tsNs)} ignored, reason: 'entry too far behind, entry timestamp is: ${rfc3339(f.tsNs)}, oldest acceptable timestamp is: ${rfc3339(f.cutoffNs)}',\n`,
  );
  return `${lines.join("")}user 'fake', total ignored: ${failed.length} out of ${total} for stream: ${formatLabels(labels)}`;
}

/** util.GroupedErrors: one message as is; otherwise `N errors like: <msg>` per distinct message, joined by `; `. */
export function groupedErrors(messages: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts].map(([m, n]) => (counts.size > 1 || n > 1 ? `${n} errors like: ${m}` : m)).join("; ");
}

/** Go's time.RFC3339 in UTC: whole seconds, fraction truncated. */
export function rfc3339(ns: bigint): string {
  return new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Go's Time.String() in UTC: `2026-12-07 11:10:54.435 +0000 UTC` (fraction without trailing zeros). */
export function goTimeString(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  const base = new Date(Number(seconds) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "");
  return `${base}${fraction === "" ? "" : `.${fraction}`} +0000 UTC`;
}
