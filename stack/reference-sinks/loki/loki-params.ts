import { parseDurationNs } from "./logql-lexer.ts";
import type { Direction } from "./logql-eval.ts";

/** A bad query parameter: HTTP 400, `text/plain`, with Loki 2.8's wording where it has one. */
export class ParamError extends Error {
  override name: string = "ParamError";
}

export const NS_PER_SECOND = 1_000_000_000n;
/** Loki refuses range queries with more points per series than this. */
export const MAX_POINTS_PER_SERIES = 11_000n;

/**
 * Loki's `parseTimestamp`: empty -> default; with a dot -> float unix seconds (ms precision); an
 * integer of up to 10 digits -> unix seconds, longer -> unix nanoseconds; otherwise RFC3339(Nano).
 */
export function parseTimestampNs(name: string, value: string | null, defaultNs: bigint): bigint {
  if (value === null || value === "") return defaultNs;
  if (value.includes(".") && /^[+-]?[0-9]*\.[0-9]+$/.test(value)) {
    const [whole, fraction = ""] = value.split(".");
    const ms = BigInt(fraction.padEnd(3, "0").slice(0, 3));
    return BigInt(whole || "0") * NS_PER_SECOND + ms * 1_000_000n * (value.startsWith("-") ? -1n : 1n);
  }
  if (/^[+-]?[0-9]+$/.test(value)) {
    const n = BigInt(value);
    return value.replace(/^[+-]/, "").length <= 10 ? n * NS_PER_SECOND : n;
  }
  const rfc = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(value);
  const secondsMs = rfc ? Date.parse(`${rfc[1]}${rfc[3]}`) : NaN;
  if (Number.isNaN(secondsMs)) throw new ParamError(`invalid ${name} parameter: cannot parse "${value}" to a valid timestamp`);
  return BigInt(secondsMs) * 1_000_000n + BigInt((rfc![2] ?? "").padEnd(9, "0"));
}

/** `step`: float seconds (`30`, `0.5`) or a duration (`30s`, `1m`); default Loki's `max(floor(range / 250), 1)` seconds. */
export function parseStepNs(value: string | null, startNs: bigint, endNs: bigint): bigint {
  if (value === null || value === "") {
    const seconds = (endNs - startNs) / NS_PER_SECOND / 250n;
    return (seconds > 1n ? seconds : 1n) * NS_PER_SECOND;
  }
  let stepNs: bigint | undefined;
  if (/^[+-]?[0-9]+(\.[0-9]+)?$/.test(value)) stepNs = BigInt(Math.round(Number(value) * 1e9));
  else stepNs = parseDurationNs(value);
  if (stepNs === undefined) throw new ParamError(`invalid step parameter: cannot parse "${value}" to a valid duration`);
  if (stepNs <= 0n) throw new ParamError("zero or negative query resolution step widths are not accepted. Try a positive integer");
  return stepNs;
}

export function parseLimit(value: string | null): number {
  if (value === null || value === "") return 100;
  if (!/^[0-9]+$/.test(value)) throw new ParamError(`invalid limit parameter: strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`);
  const limit = Number(value);
  if (limit <= 0) throw new ParamError("limit must be a positive value");
  return limit;
}

export function parseDirection(value: string | null): Direction {
  if (value === null || value === "") return "backward";
  const lower = value.toLowerCase();
  if (lower === "forward" || lower === "backward") return lower;
  throw new ParamError(`invalid direction '${value}'`);
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Unix seconds as Loki's JSON writes matrix and vector timestamps: `1795555440`, `1795555495.473`. */
export function nsToSeconds(ns: bigint): number {
  return Number(ns / 1_000_000n) / 1000;
}

/** A sample value as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes it. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  const text = String(value);
  if (!text.includes("e")) return text;
  const [mantissa, exponentText] = text.split("e");
  const exponent = Number(exponentText);
  const negative = mantissa!.startsWith("-");
  const digits = mantissa!.replace(/^-/, "").replace(".", "");
  const pointAt = mantissa!.replace(/^-/, "").split(".")[0]!.length + exponent;
  const body = pointAt <= 0 ? `0.${"0".repeat(-pointAt)}${digits}` : digits.padEnd(pointAt, "0");
  return `${negative ? "-" : ""}${body}`;
}
