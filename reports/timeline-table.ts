import type { Timeline } from "../assertions/run-result.ts";

/** At most this many rows: the bucket widens for long runs (5 s for a short drill). */
const MAX_ROWS = 60;
const MIN_BUCKET_MS = 5_000;

export interface TimelineTable {
  bucketMs: number;
  header: string[];
  rows: string[][];
}

/**
 * The timeline as one table (Markdown and HTML share it): one row per time bucket, seconds since
 * run start; a column per series (rates, units ending in `/s`, are averaged over the bucket;
 * anything else, e.g. latency, shows the bucket's maximum), the faults in force, and the events in
 * the bucket (injection, heal, recovery, losses, alert notifications received). Rows with nothing
 * in them are left out.
 */
export function timelineTable(timeline: Readonly<Timeline>, runStartMs: number): TimelineTable {
  const times = [
    ...timeline.series.flatMap((s) => s.points.map((p) => p.atMs)),
    ...timeline.windows.flatMap((w) => [w.fromMs, w.toMs]),
    ...timeline.events.map((e) => e.atMs),
  ];
  const header = ["t (s)", "fault in force", ...timeline.series.map((s) => `${s.name} (${s.unit === "ms" ? "max ms" : s.unit})`), "events"];
  if (times.length === 0) return { bucketMs: MIN_BUCKET_MS, header, rows: [] };
  const fromMs = Math.min(...times),
    toMs = Math.max(...times);
  const bucketMs = Math.max(MIN_BUCKET_MS, Math.ceil((toMs - fromMs + 1) / MAX_ROWS / 1000) * 1000);
  const rows: string[][] = [];
  for (let start = fromMs; start <= toMs; start += bucketMs) {
    const end = start + bucketMs;
    const inBucket = (t: number) => t >= start && t < end;
    const faults = timeline.windows.filter((w) => w.kind === "fault" && w.fromMs < end && w.toMs >= start).map((w) => w.label);
    const values = timeline.series.map((s) => {
      const points = s.points.filter((p) => inBucket(p.atMs)).map((p) => p.value);
      if (points.length === 0) return "";
      const value = s.unit.endsWith("/s") ? points.reduce((a, b) => a + b, 0) / points.length : Math.max(...points);
      return String(Math.round(value * 10) / 10);
    });
    const events = timeline.events.filter((e) => inBucket(e.atMs)).map((e) => `${seconds(e.atMs - runStartMs)}s ${e.kind}: ${e.label}`);
    if (faults.length === 0 && events.length === 0 && values.every((v) => v === "" || v === "0")) continue;
    rows.push([seconds(start - runStartMs), faults.join(", "), ...values, events.join("; ")]);
  }
  return { bucketMs, header, rows };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
