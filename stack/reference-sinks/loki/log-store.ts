import { formatLabels, sortedLabels, type Labels } from "./label-text.ts";
import { DETECTED_LEVEL, LOKI_INGEST_DEFAULTS, tooFarBehindError } from "./loki-ingest-rules.ts";

export interface LogEntry {
  readonly tsNs: bigint;
  readonly line: string;
  /** Structured metadata `detected_level` (Loki 3.x discover_log_levels); shown as a label in query results. */
  readonly detectedLevel?: string;
}

/** One stream: its sorted label set, its canonical key (`{a="b", c="d"}`) and its entries in time order. */
export interface StoredStream {
  readonly key: string;
  /** The labels a result shows: the stream's, plus `detected_level` for the query view (`queryStreams`). */
  readonly labels: Labels;
  /** What stream selectors match (the index labels); `labels` when absent. */
  readonly selectorLabels?: Labels;
  readonly entries: LogEntry[];
}

/** What a push did: the entries stored (for tail) and, when some were outside a stream's unordered-write window, Loki's ingester error. */
export interface PushOutcome {
  readonly accepted: AcceptedEntries;
  readonly tooFarBehind?: string;
}

export interface PushedStream {
  readonly labels: Labels;
  readonly entries: readonly LogEntry[];
}

/** What a push stored, per stream, in push order: what a live tail forwards. */
export type AcceptedEntries = { stream: StoredStream; entries: LogEntry[] }[];

export interface LogStoreCounters {
  /** Entries in accepted push requests (Loki's distributor counts them before the ingester sees them). */
  linesReceived: number;
  /** UTF-8 bytes of those entries' lines. */
  bytesReceived: number;
  /** Entries acknowledged but deliberately not stored (`dropEvery`). */
  linesDropped: number;
}

export interface LogStoreOptions {
  /** Negative control: silently drop every Nth pushed entry (1-based over all pushes) while still acknowledging it. */
  dropEvery?: number;
}

/**
 * The in-memory log store behind the reference sink (the ingester's part of Loki 3.5). Entries are kept
 * sorted by timestamp per stream: out-of-order writes are accepted within the unordered-write window
 * (the stream's newest entry - 1 h; older ones get Loki's "entry too far behind" error and are not
 * stored), and an entry identical to one already stored (same stream, timestamp and line) is ignored,
 * as Loki's ingester does. Query results see each stream split by `detected_level` (`queryStreams`).
 */
export class LogStore {
  readonly counters: LogStoreCounters = { linesReceived: 0, bytesReceived: 0, linesDropped: 0 };
  readonly #streams = new Map<string, StoredStream>();
  /** Each stream split by `detected_level`, as Loki's queries return them (the level is a result label). */
  readonly #queryStreams = new Map<string, StoredStream>();
  /** Newest timestamp accepted per stream: the unordered-write window's reference. */
  readonly #newestNs = new Map<string, bigint>();
  readonly #listeners = new Set<(accepted: AcceptedEntries) => void>();
  readonly #dropEvery: number | undefined;
  #pushedEntries = 0;

  constructor({ dropEvery }: LogStoreOptions = {}) {
    if (dropEvery !== undefined && (!Number.isInteger(dropEvery) || dropEvery < 1)) {
      throw new RangeError(`dropEvery must be a positive integer, saw ${dropEvery}`);
    }
    this.#dropEvery = dropEvery;
  }

  push(streams: readonly PushedStream[]): PushOutcome {
    const accepted: AcceptedEntries = [];
    let tooFarBehind: string | undefined;
    for (const pushed of streams) {
      const stream = this.#streamFor(pushed.labels);
      const stored: LogEntry[] = [];
      const failed: { tsNs: bigint; cutoffNs: bigint }[] = [];
      for (const entry of pushed.entries) {
        const newest = this.#newestNs.get(stream.key);
        if (newest !== undefined && entry.tsNs < newest - LOKI_INGEST_DEFAULTS.unorderedWindowNs) {
          failed.push({ tsNs: entry.tsNs, cutoffNs: newest - LOKI_INGEST_DEFAULTS.unorderedWindowNs });
          continue;
        }
        this.#pushedEntries++;
        this.counters.linesReceived++;
        this.counters.bytesReceived += Buffer.byteLength(entry.line, "utf8");
        if (newest === undefined || entry.tsNs > newest) this.#newestNs.set(stream.key, entry.tsNs);
        if (this.#dropEvery !== undefined && this.#pushedEntries % this.#dropEvery === 0) {
          this.counters.linesDropped++;
          continue;
        }
        if (insertEntry(stream.entries, entry)) {
          stored.push(entry);
          insertEntry(this.#queryStreamFor(stream, entry.detectedLevel).entries, entry);
        }
      }
      if (stored.length > 0) accepted.push({ stream, entries: stored });
      if (failed.length > 0) tooFarBehind = tooFarBehindError(stream.labels, failed, pushed.entries.length);
    }
    if (accepted.length > 0) for (const listener of this.#listeners) listener(accepted);
    return tooFarBehind === undefined ? { accepted } : { accepted, tooFarBehind };
  }

  /** Every stream ever pushed to, including ones whose entries were all dropped. */
  streams(): StoredStream[] {
    return [...this.#streams.values()];
  }

  /** The streams queries evaluate: each stream once per `detected_level`, that level among its labels. */
  queryStreams(): StoredStream[] {
    return [...this.#queryStreams.values()];
  }

  /** Calls `listener` after every push that stored something; returns the unsubscribe function. */
  subscribe(listener: (accepted: AcceptedEntries) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #queryStreamFor(stream: StoredStream, detectedLevel: string | undefined): StoredStream {
    if (detectedLevel === undefined) return this.#queryStreamAt(stream.key, stream.labels, stream.labels);
    const labels = { ...stream.labels, [DETECTED_LEVEL]: detectedLevel };
    return this.#queryStreamAt(formatLabels(labels), labels, stream.labels);
  }

  #queryStreamAt(key: string, labels: Labels, selectorLabels: Labels): StoredStream {
    let view = this.#queryStreams.get(key);
    if (view === undefined) {
      view = { key, labels: sortedLabels(labels), selectorLabels, entries: [] };
      this.#queryStreams.set(key, view);
    }
    return view;
  }

  #streamFor(labels: Labels): StoredStream {
    const key = formatLabels(labels);
    let stream = this.#streams.get(key);
    if (stream === undefined) {
      stream = { key, labels: sortedLabels(labels), entries: [] };
      this.#streams.set(key, stream);
    }
    return stream;
  }
}

/** Inserts after any entries with the same timestamp; false when an identical entry is already there. */
function insertEntry(entries: LogEntry[], entry: LogEntry): boolean {
  const at = upperBound(entries, entry.tsNs);
  for (let i = at - 1; i >= 0 && entries[i]!.tsNs === entry.tsNs; i--) {
    if (entries[i]!.line === entry.line) return false;
  }
  entries.splice(at, 0, entry);
  return true;
}

/** First index whose timestamp is greater than `tsNs`. */
export function upperBound(entries: readonly LogEntry[], tsNs: bigint): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.tsNs <= tsNs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose timestamp is at least `tsNs`. */
export function lowerBound(entries: readonly LogEntry[], tsNs: bigint): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.tsNs < tsNs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
