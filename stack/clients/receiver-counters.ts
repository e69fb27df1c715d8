import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";

/**
 * Throughput is read at the receiver (DESIGN.md): each receiver's own counter, scraped from its
 * `/metrics` text exposition. `receiverCounterFor` maps a component (or the substitute standing in for
 * it) to its counter; `startCounterWindow` reads it at the start and end of a window (rate = delta /
 * elapsed) and once per interval in between (an over-time series).
 */
export type ReceiverUnit = "samples" | "lines" | "bytes" | "spans" | "points" | "records";

export interface ReceiverCounterDef {
  /** Metric names, first match wins (the collector's name changed: `_total` was added in newer releases). */
  names: readonly string[];
  /** Only series with these label values are summed (e.g. VictoriaMetrics' `type="promremotewrite"`). */
  match?: Readonly<Record<string, string>>;
  unit: ReceiverUnit;
  /**
   * For a receiver that answers a write before its counter shows it: the counter is read as settled
   * once it has not moved for this long (see `RunningCounterWindow.stop`). Absent: counted before the answer.
   */
  settleQuietMs?: number;
}

/**
 * Keyed by component or substitute name, then unit. Counters that are per-tenant or per-type vectors
 * (Prometheus, Loki, Tempo) have no series before the first write: absent reads as 0 (see `series`).
 */
export const RECEIVER_COUNTERS: Readonly<Record<string, Partial<Record<ReceiverUnit, ReceiverCounterDef>>>> = {
  prometheus: { samples: { names: ["prometheus_tsdb_head_samples_appended_total"], unit: "samples" } },
  // VictoriaMetrics 1.79 answers remote write before counting the rows (measured here: a 12-request write
  // showed up 70-600 ms after its last answer, 1M samples/s up to ~0.9 M rows late).
  "victoria-metrics": { samples: { names: ["vm_rows_inserted_total"], match: { type: "promremotewrite" }, unit: "samples", settleQuietMs: 1_500 } },
  mimir: { samples: { names: ["cortex_distributor_received_samples_total"], unit: "samples" } },
  loki: {
    lines: { names: ["loki_distributor_lines_received_total"], unit: "lines" },
    bytes: { names: ["loki_distributor_bytes_received_total"], unit: "bytes" },
  },
  tempo: { spans: { names: ["tempo_distributor_spans_received_total"], unit: "spans" } },
  "otel-collector": { spans: { names: ["otelcol_receiver_accepted_spans", "otelcol_receiver_accepted_spans_total"], unit: "spans" } },
};
/** The reference sinks expose the real component's counter names (stack/reference-sinks/*). */
const SAME_AS: Readonly<Record<string, string>> = { "loki-reference-sink": "loki", "tempo-reference-sink": "tempo" };

const DEFAULT_UNIT: Readonly<Record<string, ReceiverUnit>> = {
  prometheus: "samples",
  "victoria-metrics": "samples",
  mimir: "samples",
  loki: "bytes",
  tempo: "spans",
  "otel-collector": "spans",
};

export interface CounterReading {
  value: number;
  /** Series that matched (0: the counter is not exposed yet, or not at all). */
  series: number;
}

export interface ReceiverCounter {
  /** e.g. `vm_rows_inserted_total{type="promremotewrite"} at http://127.0.0.1:8428/metrics`. */
  readonly describe: string;
  readonly unit: ReceiverUnit;
  readonly metricsUrl: string;
  /** See `ReceiverCounterDef.settleQuietMs` (0: the counter moves before the receiver answers). */
  readonly settleQuietMs: number;
  /** The counter's current value (sum over matching series). */
  read(): Promise<number>;
  readDetailed(): Promise<CounterReading>;
}

/**
 * The counter of `component` (or of the substitute named, e.g. `victoria-metrics`, `loki-reference-sink`)
 * for `unit` (default: samples for metrics stores, bytes for Loki, spans for trace receivers), read from
 * `${metricsBaseUrl}/metrics` (the URL that serves the component's own metrics).
 */
export function receiverCounterFor(
  component: string,
  metricsBaseUrl: string,
  unit?: ReceiverUnit,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): ReceiverCounter {
  const key = SAME_AS[component] ?? component;
  const chosen = unit ?? DEFAULT_UNIT[key];
  const def = chosen === undefined ? undefined : RECEIVER_COUNTERS[key]?.[chosen];
  if (def === undefined) {
    const known = Object.entries(RECEIVER_COUNTERS).flatMap(([name, units]) => Object.keys(units).map((u) => `${name}/${u}`));
    throw new HarnessError(`receiver counter: expected one of ${[...known, ...Object.keys(SAME_AS)].join(", ")}, saw ${component}${unit ? `/${unit}` : ""}`);
  }
  return counterFromDef(def, metricsBaseUrl, { timeoutMs });
}

/** A counter read from `${metricsBaseUrl}/metrics` by its definition (e.g. the collector's per-exporter counters, collector-counters.ts). */
export function counterFromDef(def: ReceiverCounterDef, metricsBaseUrl: string, { timeoutMs = 5_000 }: { timeoutMs?: number } = {}): ReceiverCounter {
  const metricsUrl = `${metricsBaseUrl.replace(/\/+$/, "")}/metrics`;
  const selector =
    def.match === undefined
      ? ""
      : `{${Object.entries(def.match)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(",")}}`;
  const readDetailed = async (): Promise<CounterReading> => {
    let text: string;
    try {
      const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
      text = await response.text();
      if (!response.ok) throw new HarnessError(`HTTP ${response.status} ${JSON.stringify(text.slice(0, 200))}`);
    } catch (error) {
      throw new HarnessError(
        `receiver counter ${def.names[0]}: could not read ${metricsUrl} within ${timeoutMs}ms: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return sumCounter(text, def);
  };
  return {
    describe: `${def.names[0]}${selector} at ${metricsUrl}`,
    unit: def.unit,
    metricsUrl,
    settleQuietMs: def.settleQuietMs ?? 0,
    readDetailed,
    read: async () => (await readDetailed()).value,
  };
}

/** Sum of the samples of the first of `def.names` that has matching series in a text exposition. */
export function sumCounter(text: string, def: Pick<ReceiverCounterDef, "names" | "match">): CounterReading {
  for (const name of def.names) {
    let value = 0;
    let series = 0;
    for (const sample of parseExposition(text, name)) {
      if (def.match && !Object.entries(def.match).every(([k, v]) => sample.labels[k] === v)) continue;
      value += sample.value;
      series += 1;
    }
    if (series > 0) return { value, series };
  }
  return { value: 0, series: 0 };
}

export interface ExpositionSample {
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

/** Samples of metric `name` in a Prometheus text exposition (0.0.4); comments and other metrics skipped. */
export function parseExposition(text: string, name: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || line.startsWith("#")) continue;
    const match = LINE.exec(line);
    if (match === null || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    const body = match[2] ?? "";
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const label = LABEL.exec(body);
      if (label === null)
        throw new HarnessError(
          `metrics exposition: expected name="value" labels in ${JSON.stringify(line)}, saw ${JSON.stringify(body.slice(LABEL.lastIndex))}`,
        );
      labels[label[1]!] = label[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const value = parseValue(match[3]!);
    if (Number.isNaN(value) && match[3] !== "NaN")
      throw new HarnessError(`metrics exposition: expected a number in ${JSON.stringify(line)}, saw ${JSON.stringify(match[3])}`);
    samples.push({ labels, value });
  }
  return samples;
}

function parseValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export interface CounterPoint {
  /** Ms since the window started. */
  atMs: number;
  /** Wall-clock ms since the epoch of the read (to align with a generator's schedule). */
  wallMs: number;
  value: number;
  /** Rate over the interval ending here, units/s. */
  perSec: number;
}

export interface CounterWindow {
  describe: string;
  unit: ReceiverUnit;
  startValue: number;
  endValue: number;
  delta: number;
  elapsedMs: number;
  /** delta / elapsed. */
  perSec: number;
  /** False when the counter never had a series (wrong receiver, or nothing written). */
  seen: boolean;
  overTime: CounterPoint[];
  /** Reads that failed during the window (the window still ends with a successful read or throws). */
  failedReads: number;
  /**
   * Units the counter gained after `stop()` was called, while it settled: acknowledged inside the
   * window, counted by the receiver a little later (VictoriaMetrics 1.79 answers remote write before
   * its rows counter catches up, by up to ~1 s under load). Part of `delta`; 0 for receivers that count first.
   */
  countedAfterStop: number;
  /**
   * Rate between the first read at or after `fromWallMs` and the last read at or before `toWallMs`
   * (e.g. a generator's schedule, excluding its start-up); undefined when fewer than two reads fall inside.
   */
  rateBetween(fromWallMs: number, toWallMs: number): { perSec: number; delta: number; elapsedMs: number } | undefined;
}

function rateBetween(
  points: readonly Pick<CounterPoint, "wallMs" | "value">[],
  fromWallMs: number,
  toWallMs: number,
): { perSec: number; delta: number; elapsedMs: number } | undefined {
  const inside = points.filter((p) => p.wallMs >= fromWallMs && p.wallMs <= toWallMs);
  if (inside.length < 2) return undefined;
  const first = inside[0]!;
  const last = inside[inside.length - 1]!;
  const elapsedMs = last.wallMs - first.wallMs;
  if (elapsedMs <= 0) return undefined;
  const delta = last.value - first.value;
  return { perSec: (delta * 1000) / elapsedMs, delta, elapsedMs };
}

export interface RunningCounterWindow {
  /** The value read at the start. */
  readonly startValue: number;
  /**
   * Ends the window now (its length stops here) and reads the end value; for a counter with a
   * `settleQuietMs`, once it has not moved for that long (re-read every `everyMs`, 250 ms), waiting at
   * most `maxMs` (default 3 x quiet + 2 s). `quietMs: 0` takes the first read.
   */
  stop(settle?: { quietMs?: number; maxMs?: number; everyMs?: number }): Promise<CounterWindow>;
}

/** How long a settling read may wait at most for a counter that keeps moving: 3 x its quiet period + 2 s. */
const settleBoundMs = (quietMs: number) => quietMs * 3 + 2_000;
const SETTLE_EVERY_MS = 250;

/**
 * Reads the counter, then, when `quietMs` > 0, again every `everyMs` until it has not moved for
 * `quietMs` (at most `maxMs`): `first` is the first read, `settled` the last.
 */
async function readSettled(
  counter: ReceiverCounter,
  { quietMs, maxMs, everyMs, clock }: { quietMs: number; maxMs: number; everyMs: number; clock: Clock },
): Promise<{ first: CounterReading; settled: CounterReading }> {
  const first = await counter.readDetailed();
  let settled = first;
  if (quietMs <= 0) return { first, settled };
  const until = clock.monotonicMs() + maxMs;
  let movedAtMs = clock.monotonicMs();
  while (clock.monotonicMs() - movedAtMs < quietMs && clock.monotonicMs() < until) {
    await clock.sleep(everyMs);
    const again = await counter.readDetailed();
    if (again.value !== settled.value) [settled, movedAtMs] = [again, clock.monotonicMs()];
  }
  return { first, settled };
}

/**
 * Reads the counter (the window's start; for a counter with `settleQuietMs`, once what came before has
 * been counted), then every `intervalMs` until `stop()` reads the end.
 */
export async function startCounterWindow(
  counter: ReceiverCounter,
  { intervalMs = 1_000, clock = systemClock }: { intervalMs?: number; clock?: Clock } = {},
): Promise<RunningCounterWindow> {
  // A receiver that counts after it answers may still be counting what came before the window.
  const { settled: first } = await readSettled(counter, {
    quietMs: counter.settleQuietMs,
    maxMs: settleBoundMs(counter.settleQuietMs),
    everyMs: SETTLE_EVERY_MS,
    clock,
  });
  const startedMs = clock.monotonicMs();
  const startedWallMs = clock.nowMs();
  const overTime: CounterPoint[] = [];
  let seen = first.series > 0;
  let last = { atMs: 0, value: first.value };
  let failedReads = 0;
  let reading: Promise<void> = Promise.resolve();
  const sample = async () => {
    try {
      const now = await counter.readDetailed();
      const atMs = clock.monotonicMs() - startedMs;
      seen ||= now.series > 0;
      overTime.push({
        atMs: Math.round(atMs),
        wallMs: clock.nowMs(),
        value: now.value,
        perSec: atMs > last.atMs ? ((now.value - last.value) * 1000) / (atMs - last.atMs) : 0,
      });
      last = { atMs, value: now.value };
    } catch {
      failedReads += 1;
    }
  };
  const timer = setInterval(() => {
    reading = reading.then(sample);
  }, intervalMs);
  return {
    startValue: first.value,
    async stop({ quietMs = counter.settleQuietMs, maxMs = settleBoundMs(quietMs), everyMs = SETTLE_EVERY_MS } = {}) {
      clearInterval(timer);
      await reading;
      const elapsedMs = clock.monotonicMs() - startedMs;
      const stoppedWallMs = clock.nowMs();
      const { first: atStop, settled: end } = await readSettled(counter, { quietMs, maxMs, everyMs, clock });
      seen ||= end.series > 0;
      const delta = end.value - first.value;
      const all = [
        { atMs: 0, wallMs: startedWallMs, value: first.value, perSec: 0 },
        ...overTime,
        { atMs: Math.round(elapsedMs), wallMs: stoppedWallMs, value: end.value, perSec: 0 },
      ];
      return {
        describe: counter.describe,
        unit: counter.unit,
        startValue: first.value,
        endValue: end.value,
        delta,
        elapsedMs,
        perSec: elapsedMs > 0 ? (delta * 1000) / elapsedMs : 0,
        seen,
        overTime,
        failedReads,
        countedAfterStop: end.value - atStop.value,
        rateBetween: (fromWallMs, toWallMs) => rateBetween(all, fromWallMs, toWallMs),
      };
    },
  };
}
