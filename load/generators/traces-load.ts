import { HarnessError } from "../../common/errors.ts";
import { encodeOtlpSpans } from "../encode/otlp-span-encoder.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../encode/otlp-traces.ts";
import { ECOMM_MODEL } from "../model/ecomm-model.ts";
import { generateRequest, type SyntheticSpan } from "../model/generate-request.ts";
import { mulberry32 } from "../model/rng.ts";
import type { GeneratorReport } from "./generator-report.ts";
import type { TracesLoadOptions } from "./load-options.ts";
import { runLoad, type LoadShape } from "./run-load.ts";

/**
 * OTLP/HTTP protobuf traces at a constant span rate. Each request carries exactly `spansPerRequest` spans of traces walked from the
 * microservice model, starting at the push's wall-clock time, encoded by the template encoder
 * (`encodeOtlpSpans`, byte-identical to the opentelemetry-js serializer).
 */
export async function runTracesLoad(options: TracesLoadOptions, signal?: AbortSignal): Promise<GeneratorReport> {
  return runLoad(tracesShape(options), options, signal);
}

/** The traces generator's request source (what `runTracesLoad` sends; `measureGeneratorRate` times it). */
export function tracesShape(options: Omit<TracesLoadOptions, "durationMs">): LoadShape {
  const { spansPerSec, spansPerRequest = 1000, model = ECOMM_MODEL } = options;
  if (!(Number.isInteger(spansPerRequest) && spansPerRequest >= 1))
    throw new HarnessError(`traces load: expected spansPerRequest to be an integer >= 1, saw ${spansPerRequest}`);
  const rng = mulberry32((options.seed ?? 1) + (options.shard?.index ?? 0) * 7919);
  const pending: SyntheticSpan[] = [];
  return {
    signal: "traces",
    unit: "spans",
    offeredPerSec: spansPerSec,
    unitsPerRequest: spansPerRequest,
    headers: { ...OTLP_HTTP_PROTOBUF_HEADERS },
    next(_slot, wallMs) {
      // Whole traces are generated; spans past this request's count open the next one (exact rate).
      while (pending.length < spansPerRequest) pending.push(...generateRequest(model, rng, { startMs: Math.floor(wallMs) }).spans);
      const spans = pending.splice(0, spansPerRequest);
      return { body: encodeOtlpSpans(spans), units: spans.length };
    },
  };
}
