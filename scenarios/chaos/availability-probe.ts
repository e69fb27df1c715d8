import { systemClock, type Clock } from "../../common/clock.ts";
import type { ProbeResult } from "../../assertions/chaos/availability.ts";
import { compileSeries, encodeWriteRequestSnappy } from "../../stack/clients/remote-write-encoding.ts";
import type { SendResult, Transport } from "../../load/transport/transport.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";

export const PROBE_METRIC = "obsconf_probe_seq";

export interface AvailabilityProbeOptions {
  /** Remote write into the store under test (no retry: a probe is one attempt). */
  transport: Transport;
  /** Its query API (a client whose own timeout is no longer than `timeoutMs`). */
  prometheus: Pick<PrometheusClient, "query">;
  runId: string;
  intervalMs: number;
  /** A probe must write AND read back within this. */
  timeoutMs: number;
  /** Bounds: at most `count` probes, none started after `deadlineMs` from start. */
  count: number;
  deadlineMs: number;
  clock?: Clock;
}

export interface RunningProbes {
  /** Every finished probe so far. */
  results(): readonly ProbeResult[];
  /** Stops starting probes, waits for those in flight, returns them all. */
  stop(): Promise<readonly ProbeResult[]>;
}

/**
 * Write+read availability probes at a fixed rate (arrival rate: a probe that hangs does not hold
 * back the next one): probe N writes `obsconf_probe_seq{obsconf_run=<runId>} = N` through remote
 * write, then reads the series back until N is there, all within `timeoutMs`. Bounded by count
 * and deadline; stops by itself.
 */
export function startAvailabilityProbes(options: AvailabilityProbeOptions): RunningProbes {
  const { transport, prometheus, runId, intervalMs, timeoutMs, count, deadlineMs, clock = systemClock } = options;
  const series = [compileSeries({ __name__: PROBE_METRIC, obsconf_run: runId })];
  const selector = `${PROBE_METRIC}{obsconf_run=${JSON.stringify(runId)}}`;
  const results: ProbeResult[] = [];
  const inFlight = new Set<Promise<void>>();
  const startMs = clock.monotonicMs();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastWrittenAtMs = 0;

  const probe = async (seq: number) => {
    const startedAtMs = clock.nowMs();
    const writtenAtMs = Math.max(Math.round(startedAtMs), lastWrittenAtMs + 1);
    lastWrittenAtMs = writtenAtMs;
    const elapsed = () => clock.nowMs() - startedAtMs;
    const finish = (r: Omit<ProbeResult, "seq" | "startedAtMs" | "endedAtMs">) => void results.push({ seq, startedAtMs, endedAtMs: clock.nowMs(), ...r });
    let sent: SendResult;
    try {
      sent = await transport.send(encodeWriteRequestSnappy({ series, values: [seq], timestampsMs: [writtenAtMs] }), timeoutMs);
    } catch (error) {
      return finish({ ok: false, failedAt: "write", error: error instanceof Error ? error.message : String(error) });
    }
    if (sent.kind !== "ok")
      return finish({ ok: false, failedAt: "write", error: sent.kind === "rejected" ? `HTTP ${sent.status} ${sent.body.slice(0, 120)}` : sent.reason });
    let lastError = "not readable yet";
    while (elapsed() < timeoutMs) {
      try {
        const { data } = await prometheus.query(`${selector}[1m]`, { timeMs: clock.nowMs() });
        const values = data.resultType === "matrix" ? data.result.flatMap((s) => s.samples.map((p) => p.value)) : [];
        if (values.includes(seq)) return finish({ ok: true });
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      await clock.sleep(Math.min(50, Math.max(1, timeoutMs - elapsed())));
    }
    finish({ ok: false, failedAt: "read", error: `not read back within ${timeoutMs}ms (last: ${lastError})` });
  };

  const schedule = (seq: number) => {
    if (stopped || seq >= count || clock.monotonicMs() - startMs >= deadlineMs) return;
    const run = probe(seq).finally(() => inFlight.delete(run));
    inFlight.add(run);
    const nextAtMs = startMs + (seq + 1) * intervalMs;
    timer = setTimeout(() => schedule(seq + 1), Math.max(0, nextAtMs - clock.monotonicMs()));
  };
  schedule(0);

  return {
    results: () => results,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...inFlight]);
      return [...results].sort((a, b) => a.seq - b.seq);
    },
  };
}
