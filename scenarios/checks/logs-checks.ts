import { msToNsString } from "../../common/canary-format.ts";
import { compare } from "../../assertions/canary/compare.ts";
import { identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import { ingestionCheck } from "../../assertions/checks/ingestion-check.ts";
import { readLogCanary, type LogCanaryObservation } from "../../assertions/readers/log-canary-reader.ts";
import { readLogCanaryByTail } from "../../assertions/readers/log-tail-reader.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { LogCanaryWriter } from "../../load/canary/log-canary-writer.ts";
import { createHttpTransport } from "../../load/transport/http-transport.ts";
import type { LokiClient } from "../../stack/clients/loki-client.ts";
import type { CanaryRunContext } from "./canary-run-context.ts";

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
  const target = o.contract.targets["latency.ingestion.logs"];
  const { count, intervalMs } = o.profile.canaries;
  const transport = createHttpTransport({ url: o.pushUrl, headers: { "Content-Type": "application/x-protobuf" } });
  try {
    const readUntilMs = startedAtMs + count * intervalMs + target.value + 5_000;
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
      count,
      intervalMs,
      deadlineMs: count * intervalMs + 10_000,
      encoding: "protobuf",
      clock: o.clock,
    }).start();
    let writerDone = false;
    void writer.done.then(() => (writerDone = true));
    const writes = () => o.ledger.entries({ signal: "logs", stream: "push" });
    const [rangeRead, tailRead] = await Promise.all([
      readLogCanary({
        client: o.loki,
        runId: o.runId,
        writes,
        readUntilMs,
        writerDone: () => writerDone,
        clock: o.clock,
        ...(o.signal ? { signal: o.signal } : {}),
      }),
      tail,
    ]);
    await writer.stop();
    const check = (id: CheckId, observations: readonly LogCanaryObservation[], marginMs: number, query: string) => {
      const endedAtMs = o.clock.nowMs();
      const comparison = compare(writes(), observations, { lateAfterMs: target.value, readUntilMs: endedAtMs });
      return ingestionCheck({
        minSamples: o.profile.canaries.minSamples,
        identity: identityOf(id, startedAtMs),
        endedAtMs,
        target,
        comparison,
        writes: writes(),
        firstSeenById: new Map(observations.map((obs) => [obs.id, obs.firstSeenAtMs])),
        errorMarginMs: marginMs,
        queries: [query],
        simulatedBy: o.simulatedBy,
        notes: [`measurement error: up to ${Math.round(marginMs)}ms`],
      });
    };
    return [
      check(
        "logs.ingestion",
        rangeRead.observations,
        rangeRead.maxErrorMarginMs,
        `query_range {service="obsconf-canary", obsconf_run="${o.runId}"} polled every 5-500ms (${rangeRead.polls} polls, ${rangeRead.queryErrors} failed${rangeRead.lastQueryError ? `: ${rangeRead.lastQueryError}` : ""})`,
      ),
      check(
        "logs.ingestion.tail",
        tailRead.observations,
        tailRead.maxErrorMarginMs,
        `tail {service="obsconf-canary", obsconf_run="${o.runId}"} (${tailRead.frames} frames, ${tailRead.connects} connects, ${tailRead.tailErrors} errors${tailRead.lastTailError ? `: ${tailRead.lastTailError}` : ""})`,
      ),
    ];
  } finally {
    await transport.close();
  }
}
