import { compareTraces } from "../../assertions/canary/trace-compare.ts";
import { identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import { traceIngestionCheck } from "../../assertions/checks/trace-ingestion-check.ts";
import { readTraceCanary, type TraceCanaryRead, type TraceReadMode } from "../../assertions/readers/trace-canary-reader.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { TraceCanaryWriter } from "../../load/canary/trace-canary-writer.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { TempoClient } from "../../stack/clients/tempo-client.ts";
import type { CanaryRunContext } from "./canary-run-context.ts";
import { canaryWindow, doneFlag } from "./canary-window.ts";

export interface TraceChecksOptions extends CanaryRunContext {
  tempo: TempoClient;
  /** OTLP transport to the collector when it runs, else straight to Tempo (or its stand-in). */
  transport: Transport;
  /** `OTLP/HTTP -> otel-collector -> tempo` or `OTLP/HTTP -> tempo`, for the report. */
  path: string;
  simulatedBy: string[];
  /** Negative control: every Nth canary trace is written without one child span. */
  omitChildSpanEvery?: number;
}

const MODES: readonly { mode: TraceReadMode; id: CheckId; how: (runId: string) => string }[] = [
  {
    mode: "byId",
    id: "traces.ingestion.by-id",
    how: () => "GET /api/traces/<id> for each acknowledged trace",
  },
  {
    mode: "byTags",
    id: "traces.ingestion.search",
    how: (runId) => `GET /api/search?tags=obsconf.run=${runId}`,
  },
  {
    mode: "byTraceQL",
    id: "traces.ingestion.traceql",
    how: (runId) => `GET /api/search?q={ span.obsconf.run = "${runId}" }`,
  },
];

/**
 * Trace path: the canary writes one model trace per tick (every span tagged with the run and its
 * sequence number); three readers find each trace by id (counting its spans), by tag search and by
 * TraceQL. Each read mode is one check; a trace with fewer spans than written is `missing spans`.
 */
export async function runTraceChecks(o: TraceChecksOptions): Promise<CheckResult[]> {
  const startedAtMs = o.clock.nowMs();
  const target = o.contract.targets["latency.ingestion.traces"];
  const window = canaryWindow(o.profile.canaries, { startedAtMs, targetMs: target.value });
  const writer = await new TraceCanaryWriter({
    transport: o.transport,
    ledger: o.ledger,
    runId: o.runId,
    ...window.writer,
    clock: o.clock,
    ...(o.omitChildSpanEvery ? { omitChildSpanEvery: o.omitChildSpanEvery } : {}),
  }).start();
  const writerDone = doneFlag(writer.done);
  const writes = () => o.ledger.entries({ signal: "traces", stream: "otlp" });
  const { readUntilMs } = window;
  const reads = await Promise.all(
    MODES.map(
      ({ mode }) =>
        readTraceCanary({
          client: o.tempo,
          runId: o.runId,
          mode,
          writes,
          readUntilMs,
          writerDone,
          clock: o.clock,
          ...(o.signal ? { signal: o.signal } : {}),
        }) as Promise<TraceCanaryRead>,
    ),
  );
  await writer.stop();
  return MODES.map((m, index) => {
    const read = reads[index]!;
    const endedAtMs = o.clock.nowMs();
    const comparison = compareTraces(writes(), read.observations, { lateAfterMs: target.value, readUntilMs: endedAtMs });
    return traceIngestionCheck({
      minSamples: o.profile.canaries.minSamples,
      identity: identityOf(m.id, startedAtMs),
      endedAtMs,
      target,
      comparison,
      writes: writes(),
      firstSeenById: new Map(read.observations.map((obs) => [obs.id, obs.completeAtMs ?? obs.firstSeenAtMs])),
      errorMarginMs: read.maxErrorMarginMs,
      queries: [`${m.how(o.runId)} (${read.polls} polls, ${read.queryErrors} failed${read.lastQueryError ? `: ${read.lastQueryError}` : ""})`],
      simulatedBy: o.simulatedBy,
      notes: [
        `written ${o.path}`,
        `measurement error: up to ${Math.round(read.maxErrorMarginMs)}ms`,
        ...(m.mode === "byId" ? ["latency is until the whole trace (every span written) is readable"] : []),
      ],
    });
  });
}
