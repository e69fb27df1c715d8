import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/**
 * One `Point` line of `k6 run --out json=<file>`:
 * `{"type":"Point","metric":"http_req_duration","data":{"time":"...","value":12.3,"tags":{...}}}`.
 * `Metric` lines (declarations) and anything else are skipped.
 */
export interface K6Point {
  metric: string;
  timeMs: number;
  value: number;
  tags: Readonly<Record<string, string>>;
}

export type K6Line = { kind: "point"; point: K6Point } | { kind: "other" } | { kind: "malformed"; reason: string };

/** Lines that are not JSON objects (k6's own log lines interleaved in a runner pod's log) are `other`. */
export function parseK6Line(line: string): K6Line {
  if (!line.trimStart().startsWith("{")) return { kind: "other" };
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    return { kind: "malformed", reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof raw !== "object" || raw === null) return { kind: "malformed", reason: "not a JSON object" };
  const { type, metric, data } = raw as { type?: unknown; metric?: unknown; data?: unknown };
  if (type !== "Point") return { kind: "other" };
  const { time, value, tags } = (data ?? {}) as { time?: unknown; value?: unknown; tags?: unknown };
  const timeMs = typeof time === "string" ? Date.parse(time) : Number.NaN;
  if (typeof metric !== "string" || typeof value !== "number" || !Number.isFinite(value) || Number.isNaN(timeMs)) {
    return { kind: "malformed", reason: "a Point without metric, finite value and time" };
  }
  const tagMap: Record<string, string> = {};
  if (typeof tags === "object" && tags !== null) for (const [k, v] of Object.entries(tags)) if (typeof v === "string") tagMap[k] = v;
  return { kind: "point", point: { metric, timeMs, value, tags: tagMap } };
}

/**
 * The lines of a k6 JSON output file, streamed (a long run writes hundreds of MB). Lazy: the file
 * is opened when iteration starts, so several can be handed out at once without losing lines.
 */
export async function* k6OutputLines(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  try {
    for await (const line of lines) yield line;
  } finally {
    lines.close();
  }
}
