/**
 * Typed views of Prometheus HTTP API `data` payloads, and the pure functions that build them from
 * the decoded JSON. Timestamps become `timeMs` (unix seconds × 1000, rounded), sample values become
 * numbers (`"NaN"`, `"+Inf"`, `"-Inf"` included). A payload of the wrong shape throws `ShapeError`,
 * which the client turns into a `bad_response` PromApiError.
 */
export type Labels = Readonly<Record<string, string>>;
export interface Sample {
  readonly timeMs: number;
  readonly value: number;
}
export interface VectorSample extends Sample {
  readonly metric: Labels;
}
export interface MatrixSeries {
  readonly metric: Labels;
  readonly samples: readonly Sample[];
}

export type QueryResult =
  | { readonly resultType: "vector"; readonly result: readonly VectorSample[] }
  | { readonly resultType: "matrix"; readonly result: readonly MatrixSeries[] }
  | { readonly resultType: "scalar"; readonly result: Sample }
  | { readonly resultType: "string"; readonly result: { readonly timeMs: number; readonly value: string } };

export interface ActiveTarget {
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: "up" | "down" | "unknown";
  readonly labels: Labels;
  readonly discoveredLabels: Labels;
  readonly lastError: string;
  /** Undefined when the target was never scraped (Prometheus sends the zero time). */
  readonly lastScrapeAtMs: number | undefined;
  readonly lastScrapeDurationMs: number;
  /** The interval of the job that scrapes it (`scrapeInterval`, Prometheus 2.40+), when the server says. */
  readonly scrapeIntervalMs: number | undefined;
}

export interface Rule {
  readonly type: "alerting" | "recording";
  readonly name: string;
  readonly query: string;
  readonly health: string;
  readonly lastError: string;
  readonly labels: Labels;
  /** Alerting rules only. */
  readonly state?: "inactive" | "pending" | "firing";
  readonly forMs?: number;
  readonly alerts?: readonly Alert[];
}
export interface RuleGroup {
  readonly name: string;
  readonly file: string;
  readonly intervalMs: number;
  readonly rules: readonly Rule[];
}

export interface Alert {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly state: "pending" | "firing";
  readonly activeAtMs: number | undefined;
  readonly value: number;
}

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly goVersion: string;
  readonly [key: string]: unknown;
}

export class ShapeError extends Error {
  override readonly name = "ShapeError";
}

type Json = Record<string, unknown>;

export function parsePromNumber(text: unknown): number {
  if (typeof text === "number") return text;
  if (typeof text !== "string") throw new ShapeError(`expected a sample value string, saw ${JSON.stringify(text)}`);
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) throw new ShapeError(`expected a sample value, saw ${JSON.stringify(text)}`);
  return value;
}

/** Unix seconds (JSON number, possibly fractional) to integer milliseconds. */
export function secondsToMs(seconds: unknown): number {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) throw new ShapeError(`expected unix seconds, saw ${JSON.stringify(seconds)}`);
  return Math.round(seconds * 1000);
}

/** RFC 3339 text to ms; Go's zero time (`0001-01-01T00:00:00Z`) and absent values give undefined. */
export function rfc3339ToMs(text: unknown): number | undefined {
  if (typeof text !== "string" || text.startsWith("0001-01-01")) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function pair(raw: unknown): Sample {
  if (!Array.isArray(raw) || raw.length !== 2) throw new ShapeError(`expected [seconds, "value"], saw ${JSON.stringify(raw)}`);
  return { timeMs: secondsToMs(raw[0]), value: parsePromNumber(raw[1]) };
}

function object(raw: unknown, what: string): Json {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ShapeError(`expected ${what} object, saw ${JSON.stringify(raw)}`);
  return raw as Json;
}

function array(raw: unknown, what: string): unknown[] {
  if (!Array.isArray(raw)) throw new ShapeError(`expected ${what} array, saw ${JSON.stringify(raw)}`);
  return raw;
}

function labels(raw: unknown): Labels {
  return (raw ?? {}) as Labels;
}

export function parseQueryResult(data: unknown): QueryResult {
  const { resultType, result } = object(data, "query data");
  switch (resultType) {
    case "vector":
      return {
        resultType,
        result: array(result, "vector").map((s) => {
          const o = object(s, "vector sample");
          return { metric: labels(o.metric), ...pair(o.value) };
        }),
      };
    case "matrix":
      return {
        resultType,
        result: array(result, "matrix").map((s) => {
          const o = object(s, "matrix series");
          return { metric: labels(o.metric), samples: array(o.values ?? [], "values").map(pair) };
        }),
      };
    case "scalar":
      return { resultType, result: pair(result) };
    case "string": {
      const [seconds, value] = array(result, "string result");
      return { resultType, result: { timeMs: secondsToMs(seconds), value: String(value) } };
    }
    default:
      throw new ShapeError(`expected resultType vector|matrix|scalar|string, saw ${JSON.stringify(resultType)}`);
  }
}

export function parseTargets(data: unknown): ActiveTarget[] {
  return array(object(data, "targets data").activeTargets, "activeTargets").map((raw) => {
    const t = object(raw, "target");
    return {
      scrapePool: String(t.scrapePool ?? ""),
      scrapeUrl: String(t.scrapeUrl ?? ""),
      health: t.health as ActiveTarget["health"],
      labels: labels(t.labels),
      discoveredLabels: labels(t.discoveredLabels),
      lastError: String(t.lastError ?? ""),
      lastScrapeAtMs: rfc3339ToMs(t.lastScrape),
      lastScrapeDurationMs: typeof t.lastScrapeDuration === "number" ? t.lastScrapeDuration * 1000 : 0,
      scrapeIntervalMs: typeof t.scrapeInterval === "string" ? goDurationMs(t.scrapeInterval) : undefined,
    };
  });
}

function parseAlert(raw: unknown): Alert {
  const a = object(raw, "alert");
  return {
    labels: labels(a.labels),
    annotations: labels(a.annotations),
    state: a.state as Alert["state"],
    activeAtMs: rfc3339ToMs(a.activeAt),
    value: parsePromNumber(a.value ?? "NaN"),
  };
}

export function parseRules(data: unknown): RuleGroup[] {
  return array(object(data, "rules data").groups, "groups").map((raw) => {
    const g = object(raw, "rule group");
    const rules = array(g.rules, "rules").map((r): Rule => {
      const o = object(r, "rule");
      const common = {
        name: String(o.name),
        query: String(o.query),
        health: String(o.health ?? ""),
        lastError: String(o.lastError ?? ""),
        labels: labels(o.labels),
      };
      if (o.type !== "alerting") return { type: "recording", ...common };
      return {
        type: "alerting",
        ...common,
        state: o.state as Rule["state"],
        forMs: Number(o.duration ?? 0) * 1000,
        alerts: array(o.alerts ?? [], "alerts").map(parseAlert),
      };
    });
    return { name: String(g.name), file: String(g.file ?? ""), intervalMs: Number(g.interval ?? 0) * 1000, rules };
  });
}

export function parseAlerts(data: unknown): Alert[] {
  return array(object(data, "alerts data").alerts, "alerts").map(parseAlert);
}

export function parseAlertmanagers(data: unknown): string[] {
  return array(object(data, "alertmanagers data").activeAlertmanagers, "activeAlertmanagers").map((a) => String(object(a, "alertmanager").url));
}

export function parseStringMap(data: unknown, what: string): Readonly<Record<string, string>> {
  return object(data, what) as Record<string, string>;
}

export function parseConfigYaml(data: unknown): string {
  const { yaml } = object(data, "config data");
  if (typeof yaml !== "string") throw new ShapeError(`expected data.yaml text, saw ${JSON.stringify(data)}`);
  return yaml;
}

export function parseStrings(data: unknown, what: string): string[] {
  return array(data, what).map(String);
}

export function parseSeries(data: unknown): Labels[] {
  return array(data, "series").map((s) => labels(object(s, "series")));
}

/** A Go/Prometheus duration as the targets API writes it (`30s`, `1m30s`, `500ms`), in ms; undefined when it is not one. */
function goDurationMs(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return parts.reduce((ms, p) => ms + Number(p[1]) * units[p[2]!]!, 0);
}
