import { reachAll } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";
import type { RunContext } from "../shared/run-context.ts";
import { canaryTransport } from "./canary-transports.ts";
import { runTraceChecks } from "./traces-checks.ts";

export interface TracesGroupOptions {
  /** Negative control: every Nth canary trace is written without one child span. */
  omitChildSpanEvery?: number;
  /** Runs beside the canary (load: span loss of the generated traces), its line added to the run's notes. */
  beside?: (ctx: RunContext) => Promise<void>;
}

/**
 * Trace path: the canary writes one model trace per tick through the collector when it runs (else
 * straight to Tempo or its stand-in); three readers find each trace by id, tag search and TraceQL.
 */
export function tracesIngestionGroup(o: TracesGroupOptions = {}) {
  return checkGroup({
    ids: ["traces.ingestion.by-id", "traces.ingestion.search", "traces.ingestion.traceql"],
    needs: (ctx) => reachAll({ tempo: ctx.clients.tempo, otlp: ctx.clients.otlp }),
    run: async (ctx, { tempo, otlp }, simulatedBy) => {
      await using transport = canaryTransport(otlp, "otlp");
      const [checks] = await Promise.all([
        runTraceChecks({
          ...ctx,
          tempo,
          transport: transport.http,
          path: otlp.path,
          simulatedBy: [...simulatedBy],
          ...(o.omitChildSpanEvery ? { omitChildSpanEvery: o.omitChildSpanEvery } : {}),
        }),
        o.beside?.(ctx),
      ]);
      return checks;
    },
  });
}
