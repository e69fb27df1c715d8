import { formatLabels, sortedLabels, type Labels } from "./label-text.ts";

export interface LogEntry {
  readonly tsNs: bigint;
  readonly line: string;
}

/** One stream: its sorted label set, its canonical key (`{a="b", c="d"}`) and its entries in time order. */
export interface StoredStream {
  readonly key: string;
  readonly labels: Labels;
  readonly entries: LogEntry[];
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
 * The in-memory log store behind the reference sink. Entries are kept sorted by timestamp per stream
 * (out-of-order writes are accepted, as with Loki 2.8's `unordered_writes`), and an entry identical to
 * one already stored (same stream, timestamp and line) is ignored, as Loki's ingester does.
 */
export class LogStore {
  readonly counters: LogStoreCounters = { linesReceived: 0, bytesReceived: 0, linesDropped: 0 };
  readonly #streams = new Map<string, StoredStream>();
  readonly #listeners = new Set<(accepted: AcceptedEntries) => void>();
  readonly #dropEvery: number | undefined;
  #pushedEntries = 0;

  constructor({ dropEvery }: LogStoreOptions = {}) {
    if (dropEvery !== undefined && (!Number.isInteger(dropEvery) || dropEvery < 1)) {
      throw new RangeError(`dropEvery must be a positive integer, saw ${dropEvery}`);
    }
    this.#dropEvery = dropEvery;
  }

  push(streams: readonly PushedStream[]): AcceptedEntries {
    const accepted: AcceptedEntries = [];
    for (const pushed of streams) {
      const stream = this.#streamFor(pushed.labels);
      const stored: LogEntry[] = [];
      for (const entry of pushed.entries) {
        this.#pushedEntries++;
        this.counters.linesReceived++;
        this.counters.bytesReceived += Buffer.byteLength(entry.line, "utf8");
        if (this.#dropEvery !== undefined && this.#pushedEntries % this.#dropEvery === 0) {
          this.counters.linesDropped++;
          continue;
        }
        if (insertEntry(stream.entries, entry)) stored.push(entry);
      }
      if (stored.length > 0) accepted.push({ stream, entries: stored });
    }
    if (accepted.length > 0) for (const listener of this.#listeners) listener(accepted);
    return accepted;
  }

  /** Every stream ever pushed to, including ones whose entries were all dropped. */
  streams(): StoredStream[] {
    return [...this.#streams.values()];
  }

  /** Calls `listener` after every push that stored something; returns the unsubscribe function. */
  subscribe(listener: (accepted: AcceptedEntries) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
