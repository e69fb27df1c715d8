import type { Clock } from "../../common/clock.ts";
import type { CanaryWrite } from "../../common/ledger.ts";
import type { Observation } from "../../assertions/canary/compare.ts";
import { readMetricsCanary, type MetricsCanarySpec } from "../../assertions/readers/metrics-push-reader.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";

/**
 * Reads a metrics canary back for as long as a drill phase needs, in short segments of the
 * shared reader (`readMetricsCanary`), so the drill can decide between segments whether the
 * stack has recovered and stop early. Sightings merge across segments: the earliest first
 * sighting wins and the order of first sighting is kept (for reordering), counts take the most
 * distinct samples any segment saw (duplicates).
 */
export class CanaryObserver {
  readonly #seen = new Map<string, Observation>();
  #queryErrors = 0;
  #lastQueryError: string | undefined;
  #maxErrorMarginMs = 0;

  constructor(private readonly o: { client: Pick<PrometheusClient, "query">; spec: MetricsCanarySpec; writes: () => readonly CanaryWrite[]; clock: Clock }) {}

  /** Reads until `untilMs` (wall clock), or until `stopWhen()` is true between segments. */
  async readUntil(untilMs: number, stopWhen: () => boolean = () => false, segmentMs = 1_000): Promise<void> {
    const { clock } = this.o;
    while (clock.nowMs() < untilMs && !stopWhen()) {
      const read = await readMetricsCanary({
        client: this.o.client,
        spec: this.o.spec,
        writes: this.o.writes,
        writerDone: () => true,
        minWindowMs: 60_000,
        maxIntervalMs: 250,
        readUntilMs: Math.min(untilMs, clock.nowMs() + segmentMs),
        clock,
      });
      this.#queryErrors += read.queryErrors;
      if (read.lastQueryError) this.#lastQueryError = read.lastQueryError;
      this.#maxErrorMarginMs = Math.max(this.#maxErrorMarginMs, read.maxErrorMarginMs);
      for (const o of [...read.observations].sort((a, b) => a.order - b.order)) this.#merge(o);
      if (read.polls === 0) await clock.sleep(Math.max(1, Math.min(25, untilMs - clock.nowMs())));
    }
  }

  /** True when every acknowledged write has been seen. */
  allSeen(): boolean {
    return this.o.writes().every((w) => w.outcome.kind !== "acked" || this.#seen.has(w.id));
  }

  observations(): Observation[] {
    return [...this.#seen.values()];
  }

  stats(): { queryErrors: number; lastQueryError: string | undefined; maxErrorMarginMs: number } {
    return { queryErrors: this.#queryErrors, lastQueryError: this.#lastQueryError, maxErrorMarginMs: this.#maxErrorMarginMs };
  }

  #merge(o: Observation): void {
    const prior = this.#seen.get(o.id);
    if (prior === undefined) {
      this.#seen.set(o.id, {
        id: o.id,
        ...(o.seq === undefined ? {} : { seq: o.seq }),
        firstSeenAtMs: o.firstSeenAtMs,
        count: o.count,
        order: this.#seen.size,
      });
      return;
    }
    this.#seen.set(o.id, { ...prior, firstSeenAtMs: Math.min(prior.firstSeenAtMs, o.firstSeenAtMs), count: Math.max(prior.count, o.count) });
  }
}
