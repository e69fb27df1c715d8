import type { SignalKind } from "./signal.ts";

/**
 * The write ledger: what a canary writer in load/ sent and what the receiver acknowledged.
 * A reader in assertions/ observes what became readable, and a pure comparator classifies the
 * difference. Only `acked` writes can be lost; `rejected` and `failed` ones were never promised.
 */
export type WriteOutcome =
  | { kind: "acked"; ackedAtMs: number; status?: number }
  | { kind: "rejected"; atMs: number; status: number; body: string }
  | { kind: "failed"; atMs: number; error: string };

export interface CanaryWrite {
  signal: SignalKind;
  /** Which canary stream wrote it (e.g. "push", "pull", "query_range"). */
  stream: string;
  /** Monotonic per stream, starting at 0. */
  seq: number;
  /** The id the reader looks for: a label value, a log line token, a trace id. */
  id: string;
  /** Wall-clock ms when the write was sent (also the timestamp carried in the signal). */
  writtenAtMs: number;
  /** Parts the write is made of, when more than one must arrive (spans of a canary trace). */
  parts?: number;
  /** The series that carries it, when a stream has several (the pull canary's slots): a value is superseded only by a newer one on its series. */
  series?: string;
  outcome: WriteOutcome;
}

export class Ledger {
  readonly #writes: CanaryWrite[] = [];

  record(write: CanaryWrite): void {
    this.#writes.push(write);
  }

  entries(filter: { signal?: SignalKind; stream?: string } = {}): readonly CanaryWrite[] {
    return this.#writes.filter(
      (w) => (filter.signal === undefined || w.signal === filter.signal) && (filter.stream === undefined || w.stream === filter.stream),
    );
  }

  acked(filter: { signal?: SignalKind; stream?: string } = {}): readonly CanaryWrite[] {
    return this.entries(filter).filter((w) => w.outcome.kind === "acked");
  }

  get size(): number {
    return this.#writes.length;
  }
}
