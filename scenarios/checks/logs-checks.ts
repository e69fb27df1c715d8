import { msToNsString } from "../../common/canary-format.ts";
import { compare } from "../../assertions/canary/compare.ts";
import { identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import { ingestionCheck } from "../../assertions/checks/ingestion-check.ts";
import { readLogCanary, type LogCanaryObservation, type LogCanaryRead } from "../../assertions/readers/log-canary-reader.ts";
import { readLogCanaryByTail, type LogCanaryTailRead } from "../../assertions/readers/log-tail-reader.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { LogCanaryWriter } from "../../load/canary/log-canary-writer.ts";
import { createHttpTransport } from "../../load/transport/http-transport.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { LokiClient } from "../../stack/clients/loki-client.ts";
import type { CanaryRunContext } from "./canary-run-context.ts";
import { canaryWindow, doneFlag } from "./canary-window.ts";

export interface LogChecksOptions extends CanaryRunContext {
  loki: LokiClient;
  /** Loki's push endpoint (the real one or the reference sink's). */
  pushUrl: string;
  simulatedBy: string[];
}

/**
 * Log path: the canary pushes one logfmt line per tick (Loki push API, protobuf + snappy) while two
 * readers observe it: query_range polled adaptively, and a WebSocket tail opened before the first
 * write. Each read mode is one check against the logs ingestion target.
 */
export async function runLogChecks(o: LogChecksOptions): Promise<CheckResult[]> {
  const startedAtMs = o.clock.nowMs();
  const transport = createHttpTransport({ url: o.pushUrl, headers: { "Content-Type": "application/x-protobuf" } });
  try {
    const { rangeRead, tailRead } = await writeAndReadBack(o, { transport, startedAtMs });
    return [
      logIngestionCheck(o, {
        id: "logs.ingestion",
        startedAtMs,
        read: rangeRead,
        query: `query_range {service="obsconf-canary", obsconf_run="${o.runId}"} polled every 5-500ms (${rangeRead.polls} polls, ${rangeRead.queryErrors} failed${rangeRead.lastQueryError ? `: ${rangeRead.lastQueryError}` : ""})`,
      }),
      logIngestionCheck(o, {
        id: "logs.ingestion.tail",
        startedAtMs,
        read: tailRead,
        query: `tail {service="obsconf-canary", obsconf_run="${o.runId}"} (${tailRead.frames} frames, ${tailRead.connects} connects, ${tailRead.tailErrors} errors${tailRead.lastTailError ? `: ${tailRead.lastTailError}` : ""})`,
      }),
    ];
  } finally {
    await transport.close();
  }
}

/**
 * Opens the tail before the first write, runs the canary writer, and polls query_range for what it
 * acknowledged; returns when both readers are done and the writer has stopped.
 */
async function writeAndReadBack(
  o: LogChecksOptions,
  { transport, startedAtMs }: { transport: Transport; startedAtMs: number },
): Promise<{ rangeRead: LogCanaryRead; tailRead: LogCanaryTailRead }> {
  const target = o.contract.targets["latency.ingestion.logs"];
  const window = canaryWindow(o.profile.canaries, { startedAtMs, targetMs: target.value });
  const { count, intervalMs } = window.writer;
  const tail = readLogCanaryByTail({
    client: o.loki,
    runId: o.runId,
    startNs: msToNsString(startedAtMs - 1_000),
    untilMs: startedAtMs + count * intervalMs + 5_000,
    clock: o.clock,
  });
  const writer = await new LogCanaryWriter({
    transport,
    ledger: o.ledger,
    runId: o.runId,
    ...window.writer,
    encoding: "protobuf",
    clock: o.clock,
  }).start();
  const [rangeRead, tailRead] = await Promise.all([
    readLogCanary({
      client: o.loki,
      runId: o.runId,
      writes: () => pushedLines(o),
      readUntilMs: window.readUntilMs,
      writerDone: doneFlag(writer.done),
      clock: o.clock,
      ...(o.signal ? { signal: o.signal } : {}),
    }),
    tail,
  ]);
  await writer.stop();
  return { rangeRead, tailRead };
}

/** One read mode's check: what it observed compared with what the canary pushed. */
function logIngestionCheck(
  o: LogChecksOptions,
  {
    id,
    startedAtMs,
    read,
    query,
  }: { id: CheckId; startedAtMs: number; read: { observations: readonly LogCanaryObservation[]; maxErrorMarginMs: number }; query: string },
): CheckResult {
  const target = o.contract.targets["latency.ingestion.logs"];
  const endedAtMs = o.clock.nowMs();
  const comparison = compare(pushedLines(o), read.observations, { lateAfterMs: target.value, readUntilMs: endedAtMs });
  return ingestionCheck({
    minSamples: o.profile.canaries.minSamples,
    identity: identityOf(id, startedAtMs),
    endedAtMs,
    target,
    comparison,
    writes: pushedLines(o),
    firstSeenById: new Map(read.observations.map((obs) => [obs.id, obs.firstSeenAtMs])),
    errorMarginMs: read.maxErrorMarginMs,
    queries: [query],
    simulatedBy: o.simulatedBy,
    notes: [`measurement error: up to ${Math.round(read.maxErrorMarginMs)}ms`],
  });
}

/** The canary's pushed lines in the ledger. */
function pushedLines(o: Pick<LogChecksOptions, "ledger">) {
  return o.ledger.entries({ signal: "logs", stream: "push" });
}
