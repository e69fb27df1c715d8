import type { Clock } from "../../common/clock.ts";
import { Ledger, type CanaryWrite } from "../../common/ledger.ts";
import type { SignalKind } from "../../common/signal.ts";
import type { Observation } from "../../assertions/canary/compare.ts";
import { readLogCanary } from "../../assertions/readers/log-canary-reader.ts";
import { readTraceCanary } from "../../assertions/readers/trace-canary-reader.ts";
import { pushCanarySpec } from "../../assertions/readers/metrics-push-reader.ts";
import { LogCanaryWriter } from "../../load/canary/log-canary-writer.ts";
import { MetricsCanaryWriter } from "../../load/canary/metrics-canary-writer.ts";
import { TraceCanaryWriter } from "../../load/canary/trace-canary-writer.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { LokiClient } from "../../stack/clients/loki-client.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { TempoClient } from "../../stack/clients/tempo-client.ts";
import type { HopAccounting } from "../../assertions/chaos/hop-accounting.ts";
import type { LossAccounting } from "../../assertions/chaos/loss-accounting.ts";
import type { ChaosStream } from "../../assertions/checks/check-catalog.ts";
import { CanaryObserver } from "./canary-observer.ts";

/**
 * One signal's canary in a drill phase: a writer that fills its own ledger, a continuous reader
 * (first sightings: latency, recovery), and a read-back of everything after heal (loss).
 */
export interface SignalCanary {
  readonly signal: SignalKind;
  /** The stream its checks are named after (`metrics`, `metrics.long-term`, `traces.kafka`, ...). */
  readonly stream: ChaosStream;
  /**
   * It goes through a stand-in that keeps everything in memory (a reference sink): a fault that
   * destroys a process's memory says nothing about the real component's durability.
   */
  readonly inMemory: boolean;
  /** The query that reads the canary back, for the report. */
  readonly query: string;
  /** Substitutes the canary goes through (a reference sink), for `simulated`. */
  readonly simulatedBy: readonly string[];
  writes(): readonly CanaryWrite[];
  /** Starts writing one write per `intervalMs`, bounded by `count` and `deadlineMs`. */
  start(bounds: { count: number; intervalMs: number; deadlineMs: number; timeoutMs: number }): Promise<{ stop(): Promise<unknown> }>;
  /** Reads continuously until `untilMs` or `stopWhen()`. */
  readUntil(untilMs: number, stopWhen: () => boolean): Promise<void>;
  /** Merged first sightings so far. */
  observations(): Observation[];
  allSeen(): boolean;
  stats(): { queryErrors: number; lastQueryError: string | undefined };
  /** Everything readable now that was written since `sinceMs` (firstSeenAtMs = now). */
  readBack(sinceMs: number): Promise<Observation[]>;
  /**
   * A path with a buffering hop (the ML ingestion path: the collector acknowledges once queued): loss
   * per hop after the read-back, and its delivery within the ingestion target is judged too.
   */
  hops?(accounting: LossAccounting): Promise<HopAccounting>;
  /**
   * How much a buffering hop still holds (the collector: accepted, neither sent nor failed), so the
   * phase lets it drain before calling an unread write lost; undefined when it cannot tell.
   */
  holding?(): Promise<number | undefined>;
}

export interface CanaryDeps {
  canaryRunId: string;
  transport: Transport;
  clock: Clock;
}

/**
 * The push canary through a remote-write receiver and its query API: Prometheus (stream `metrics`),
 * or the long-term store's own push API and query API (stream `metrics.long-term`, Mimir or its
 * stand-in; its own run id, so the samples Prometheus forwards to the store never match it).
 */
export function metricsCanary(
  deps: CanaryDeps & { reader: Pick<PrometheusClient, "query">; stream?: "metrics" | "metrics.long-term"; simulatedBy?: readonly string[] },
): SignalCanary {
  const ledger = new Ledger();
  const writes = () => ledger.entries({ signal: "metrics", stream: "push" });
  const spec = pushCanarySpec(deps.canaryRunId);
  const observer = new CanaryObserver({ client: deps.reader, spec, writes, clock: deps.clock });
  return {
    signal: "metrics",
    stream: deps.stream ?? "metrics",
    inMemory: false,
    query: spec.selector,
    simulatedBy: deps.simulatedBy ?? [],
    writes,
    start: (b) => new MetricsCanaryWriter({ transport: deps.transport, ledger, runId: deps.canaryRunId, ...b, clock: deps.clock }).start(),
    readUntil: (untilMs, stopWhen) => observer.readUntil(untilMs, stopWhen),
    observations: () => observer.observations(),
    allSeen: () => observer.allSeen(),
    stats: () => observer.stats(),
    readBack: (sinceMs) => readBackMetrics(deps.reader, spec.selector, sinceMs, deps.clock),
  };
}

/** The log canary through the Loki push API and query_range (Loki or its reference sink). */
export function logsCanary(deps: CanaryDeps & { loki: Pick<LokiClient, "queryRange">; simulatedBy: readonly string[]; inMemory: boolean }): SignalCanary {
  const ledger = new Ledger();
  return segmentedCanary({
    signal: "logs",
    ledger,
    stream: "push",
    simulatedBy: deps.simulatedBy,
    inMemory: deps.inMemory,
    clock: deps.clock,
    query: `{service="obsconf-canary", obsconf_run="${deps.canaryRunId}"} (query_range)`,
    start: (b) => new LogCanaryWriter({ transport: deps.transport, ledger, runId: deps.canaryRunId, encoding: "protobuf", ...b, clock: deps.clock }).start(),
    read: (untilMs, of) =>
      readLogCanary({
        client: deps.loki,
        runId: deps.canaryRunId,
        writes: of,
        readUntilMs: untilMs,
        writerDone: () => true,
        maxIntervalMs: 250,
        clock: deps.clock,
      }),
  });
}

/** The trace canary over OTLP/HTTP, read back by tag search (Tempo or its reference sink; one query covers every trace). */
export function tracesCanary(deps: CanaryDeps & { tempo: Pick<TempoClient, "search">; simulatedBy: readonly string[]; inMemory: boolean }): SignalCanary {
  const ledger = new Ledger();
  return segmentedCanary({
    signal: "traces",
    ledger,
    stream: "otlp",
    simulatedBy: deps.simulatedBy,
    inMemory: deps.inMemory,
    clock: deps.clock,
    query: `GET /api/search?tags=obsconf.run=${deps.canaryRunId}`,
    start: (b) => new TraceCanaryWriter({ transport: deps.transport, ledger, runId: deps.canaryRunId, ...b, clock: deps.clock }).start(),
    read: (untilMs, of) =>
      readTraceCanary({
        client: deps.tempo,
        runId: deps.canaryRunId,
        mode: "byTags",
        writes: of,
        readUntilMs: untilMs,
        writerDone: () => true,
        maxIntervalMs: 250,
        clock: deps.clock,
      }),
  });
}

interface SegmentRead {
  observations: readonly Observation[];
  polls: number;
  queryErrors: number;
  lastQueryError: string | undefined;
}

/**
 * A canary whose reader stops once every write it is given is seen: read in 1 s segments over the
 * writes not seen yet (first sightings merge, the order of first sighting is kept), and read back
 * after heal with a fresh read over every write (at most 3 s).
 */
function segmentedCanary(o: {
  signal: SignalKind;
  ledger: Ledger;
  stream: string;
  simulatedBy: readonly string[];
  inMemory: boolean;
  query: string;
  clock: Clock;
  start: SignalCanary["start"];
  read: (untilMs: number, of: () => readonly CanaryWrite[]) => Promise<SegmentRead>;
}): SignalCanary {
  const writes = () => o.ledger.entries({ signal: o.signal, stream: o.stream });
  const seen = new Map<string, Observation>();
  let queryErrors = 0,
    lastQueryError: string | undefined;
  return {
    signal: o.signal,
    stream: o.signal,
    inMemory: o.inMemory,
    query: o.query,
    simulatedBy: o.simulatedBy,
    writes,
    start: o.start,
    async readUntil(untilMs, stopWhen) {
      while (o.clock.nowMs() < untilMs && !stopWhen()) {
        const r = await o.read(Math.min(untilMs, o.clock.nowMs() + 1_000), () => writes().filter((w) => !seen.has(w.id)));
        queryErrors += r.queryErrors;
        if (r.lastQueryError) lastQueryError = r.lastQueryError;
        for (const x of [...r.observations].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))) {
          if (!seen.has(x.id))
            seen.set(x.id, { id: x.id, ...(x.seq === undefined ? {} : { seq: x.seq }), firstSeenAtMs: x.firstSeenAtMs, count: x.count, order: seen.size });
        }
        if (r.polls === 0) await o.clock.sleep(25);
      }
    },
    observations: () => [...seen.values()],
    allSeen: () => writes().every((w) => w.outcome.kind !== "acked" || seen.has(w.id)),
    stats: () => ({ queryErrors, lastQueryError }),
    async readBack() {
      const r = await o.read(o.clock.nowMs() + 3_000, writes);
      if (r.polls > 0 && r.queryErrors === r.polls)
        throw new Error(`read-back of the ${o.signal} canary after heal failed ${r.polls} times (last: ${r.lastQueryError})`);
      const nowMs = o.clock.nowMs();
      return r.observations.map((x) => ({
        id: x.id,
        ...(x.seq === undefined ? {} : { seq: x.seq }),
        firstSeenAtMs: nowMs,
        count: x.count,
        ...(x.order === undefined ? {} : { order: x.order }),
      }));
    },
  };
}

/**
 * One read of every canary sample since `sinceMs` (`<selector>[<since>]`): the seqs readable now,
 * in timestamp order, a seq in several samples counted as a duplicate. Retried for up to 10 s
 * (the store was just healed); a store that cannot be read back is a harness error.
 */
async function readBackMetrics(client: Pick<PrometheusClient, "query">, selector: string, sinceMs: number, clock: Clock): Promise<Observation[]> {
  const deadlineMs = clock.nowMs() + 10_000;
  for (let attempt = 1; ; attempt++) {
    const nowMs = clock.nowMs();
    try {
      const { data } = await client.query(`${selector}[${Math.ceil((nowMs - sinceMs) / 1000) + 5}s]`, { timeMs: nowMs });
      const samples = (data.resultType === "matrix" ? data.result.flatMap((s) => s.samples) : []).sort((a, b) => a.timeMs - b.timeMs);
      const byId = new Map<string, Observation>();
      for (const sample of samples) {
        if (!Number.isInteger(sample.value) || sample.value < 0) continue;
        const id = String(sample.value);
        const prior = byId.get(id);
        byId.set(id, prior ? { ...prior, count: prior.count + 1 } : { id, seq: sample.value, firstSeenAtMs: nowMs, count: 1, order: byId.size });
      }
      return [...byId.values()];
    } catch (error) {
      if (clock.nowMs() >= deadlineMs)
        throw new Error(
          `read-back of ${selector} after heal failed ${attempt} times within 10000ms (last: ${error instanceof Error ? error.message : String(error)})`,
          { cause: error },
        );
      await clock.sleep(500);
    }
  }
}
