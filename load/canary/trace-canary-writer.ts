import { TRACE_CANARY_ATTRIBUTES } from "../../common/canary-format.ts";
import { systemClock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import { encodeOtlpTraces } from "../encode/otlp-traces.ts";
import { ECOMM_CHECKOUT_ENTRY, ECOMM_MODEL } from "../model/ecomm-model.ts";
import { generateRequest, spanCount } from "../model/generate-request.ts";
import { mulberry32, seedFromString } from "../model/rng.ts";
import type { ServiceModel } from "../model/service-model.ts";
import { runCanaryLoop, type CanaryWriterOptions, type CanaryWriterSummary } from "./canary-loop.ts";

export interface TraceCanaryWriterOptions extends CanaryWriterOptions {
  /** Default the ecomm demo shop. */
  model?: ServiceModel;
  /** The entry operation of every canary trace; default the checkout (frontend -> checkout -> payment, 10 spans). */
  entry?: string;
  /** RNG seed of trace ids, latencies and errors; default derived from the run id and the start time. */
  seed?: number;
  /**
   * Negative control: traces seq N-1, 2N-1, ... are written WITHOUT their last span (a leaf, never
   * the root), while the ledger still records the full span count, so a reader must report them incomplete.
   */
  omitChildSpanEvery?: number;
}

export interface TraceCanaryWriterSummary extends CanaryWriterSummary {
  /** Traces deliberately written one span short (`omitChildSpanEvery`). */
  incomplete: number;
}

export interface StartedTraceCanaryWriter extends AsyncDisposable {
  /** Spans every canary trace is made of (the ledger's `parts`). */
  readonly spansPerTrace: number;
  /** Settles when count or deadline is reached, or after `stop()`. */
  readonly done: Promise<TraceCanaryWriterSummary>;
  stop(): Promise<TraceCanaryWriterSummary>;
}

/**
 * The trace canary (tempo-vulture's writer): every tick writes ONE trace of the model's fixed entry,
 * started at the write time, each of its spans carrying `obsconf.canary="true"`, `obsconf.run=<runId>`
 * and `obsconf.seq=<n>` (an int), in one OTLP request. Each write goes in the ledger as
 * `traces`/`otlp` with id = the trace id (32 hex) and parts = the span count: ok -> acked,
 * rejected -> rejected, retryable (after any retries) -> failed.
 */
export class TraceCanaryWriter {
  readonly #model: ServiceModel;
  readonly #entry: string;
  readonly #spansPerTrace: number;

  constructor(private readonly options: TraceCanaryWriterOptions) {
    this.#model = options.model ?? ECOMM_MODEL;
    this.#entry = options.entry ?? ECOMM_CHECKOUT_ENTRY;
    this.#spansPerTrace = spanCount(this.#model, this.#entry);
    if (options.runId === "") throw new HarnessError('trace canary: expected a non-empty run id, saw ""');
    const every = options.omitChildSpanEvery;
    if (every !== undefined && !(Number.isInteger(every) && every >= 1 && this.#spansPerTrace >= 2)) {
      throw new HarnessError(
        `trace canary: expected omitChildSpanEvery >= 1 and an entry with a child span, saw ${every} and ${this.#spansPerTrace} span(s) per trace`,
      );
    }
  }

  async start(): Promise<StartedTraceCanaryWriter> {
    const { runId, clock = systemClock, seed, omitChildSpanEvery } = this.options;
    const model = this.#model;
    const entry = this.#entry;
    const parts = this.#spansPerTrace;
    const rng = mulberry32(seed ?? seedFromString(`${runId}@${clock.nowMs()}`));
    let incomplete = 0;
    const canary = runCanaryLoop({ ...this.options, signal: "traces", stream: "otlp" }, (n, writtenAtMs) => {
      const request = generateRequest(model, rng, { startMs: writtenAtMs, entry });
      const attributes = { [TRACE_CANARY_ATTRIBUTES.canary]: "true", [TRACE_CANARY_ATTRIBUTES.run]: runId, [TRACE_CANARY_ATTRIBUTES.seq]: n };
      const spans = request.spans.map((span) => ({ ...span, attributes }));
      if (omitChildSpanEvery !== undefined && (n + 1) % omitChildSpanEvery === 0) {
        spans.pop(); // pre-order: the last span is a leaf
        incomplete += 1;
      }
      return { body: encodeOtlpTraces(spans), id: request.traceId, parts };
    });
    const withIncomplete = (summary: CanaryWriterSummary) => ({ ...summary, incomplete });
    const done = canary.done.then(withIncomplete);
    const stop = () => canary.stop().then(withIncomplete);
    return { spansPerTrace: parts, done, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
  }
}
