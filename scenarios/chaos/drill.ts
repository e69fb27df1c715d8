import { availabilityOf, probesBetween, type ProbeResult } from "../../assertions/chaos/availability.ts";
import { availabilityCheck } from "../../assertions/chaos/chaos-checks.ts";
import { identityOf } from "../../assertions/checks/check-catalog.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { StackClients } from "../../stack/clients/stack-clients.ts";
import type { OtlpSignal } from "../../stack/clients/otlp-kafka-records.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { CollectorKafkaRoute } from "../../stack/components/collector-kafka-topics.ts";
import { canaryTransport, type CanaryTransport } from "../checks/canary-transports.ts";
import type { RunContext } from "../shared/run-context.ts";
import { alertTiming } from "./alert-timing.ts";
import { startAvailabilityProbes, type RunningProbes } from "./availability-probe.ts";
import type { PhaseOutcome } from "./fault-phase.ts";
import type { AlertTiming } from "./phase-alerts.ts";

/** Probes: one every 500 ms, each to write and read back within 1 s; at most 30 minutes of drill. */
export const PROBE = { intervalMs: 500, timeoutMs: 1_000, maxDrillMs: 30 * 60_000 };

/** What every phase of a drill shares, opened once the stack runs (when Prometheus is there to read). */
export interface DrillSetup {
  /** The canaries' reader: past a fault proxy, 2 s per query (a hung query must not hide recovery). */
  readers: StackClients;
  /** Loki/Tempo canary clients: through the proxies, 2 s per query. */
  clients: StackClients;
  reader: PrometheusClient;
  /** The metrics canary's remote write (through the proxy, retried once within 2 s). */
  canary: CanaryTransport;
  loki?: CanaryTransport;
  otlp?: CanaryTransport;
  /** Remote write straight into the long-term store (Mimir or its stand-in), for faults on it. */
  longTerm?: CanaryTransport;
  /** OTLP/HTTP into the collector per signal: the ML ingestion path's entry, for faults on Kafka. */
  collector?: Readonly<Record<OtlpSignal, CanaryTransport>>;
  timing: AlertTiming | undefined;
}

/** What the drill knows from the manifests before the stack starts. */
export interface DrillPaths {
  /** Each signal's topic and kafka exporter out of the collector's config (collectorKafkaRoutes), or why unknown. */
  kafkaRoutes: Partial<Record<OtlpSignal, CollectorKafkaRoute>> | { unknown: string };
}

/**
 * A drill's shared state: its setup (opened by the first phase), the availability probes that run
 * through every phase, and the phases' outcomes for the availability check and the timeline.
 */
export class Drill {
  readonly phases: PhaseOutcome[] = [];
  probes: readonly ProbeResult[] = [];
  startedAtMs: number;
  /** Whether a phase already timed alert delivery after a Prometheus restart (the first restart only). */
  timedAfterRestart = false;
  #setup: Promise<DrillSetup | undefined> | undefined;
  #running: RunningProbes | undefined;

  constructor(
    private readonly ctx: RunContext,
    private readonly shortenedFrom: ReadonlyMap<string, number>,
    readonly paths: DrillPaths = { kafkaRoutes: { unknown: "no manifests were given to the drill" } },
  ) {
    this.startedAtMs = ctx.clock.nowMs();
  }

  /** Opens the drill's clients and transports and starts the probes, once; undefined when Prometheus does not run. */
  setup(): Promise<DrillSetup | undefined> {
    this.#setup ??= this.#open();
    return this.#setup;
  }

  async #open(): Promise<DrillSetup | undefined> {
    const { ctx } = this;
    const readers = ctx.defer(new StackClients(ctx.stack, { timeoutMs: 2_000, pastFaultProxies: true }));
    const clients = ctx.defer(new StackClients(ctx.stack, { timeoutMs: 2_000 }));
    const probeClients = ctx.defer(new StackClients(ctx.stack, { timeoutMs: PROBE.timeoutMs }));
    const reader = readers.prometheus,
      probe = probeClients.prometheus,
      write = ctx.clients.remoteWrite;
    if (reader.kind === "absent" || probe.kind === "absent" || write.kind === "absent") return undefined;
    const alertmanager = ctx.clients.alertmanager;
    const open = (t: CanaryTransport) => ctx.defer(t);
    // The trace canary writes to Tempo itself, where a fault on Tempo sits (through the collector a fault
    // on Tempo's OTLP/HTTP port would not be on its path: the collector exports over gRPC).
    const lokiPush = clients.lokiPush,
      otlp = clients.tempoOtlp,
      longTermPush = clients.longTermPush;
    const collectorPush = clients.collectorOtlp;
    const collector =
      collectorPush.traces.kind === "ready" && collectorPush.metrics.kind === "ready" && collectorPush.logs.kind === "ready"
        ? {
            traces: open(canaryTransport(collectorPush.traces.value, "otlp", { deadlineMs: 2_000 })),
            metrics: open(canaryTransport(collectorPush.metrics.value, "otlp", { deadlineMs: 2_000 })),
            logs: open(canaryTransport(collectorPush.logs.value, "otlp", { deadlineMs: 2_000 })),
          }
        : undefined;
    const setup: DrillSetup = {
      readers,
      clients,
      reader: reader.value,
      canary: open(canaryTransport(write.value, "remote-write", { deadlineMs: 2_000 })),
      ...(lokiPush.kind === "ready" ? { loki: open(canaryTransport(lokiPush.value, "loki-push", { deadlineMs: 2_000 })) } : {}),
      ...(otlp.kind === "ready" ? { otlp: open(canaryTransport(otlp.value, "otlp", { deadlineMs: 2_000 })) } : {}),
      ...(longTermPush.kind === "ready" ? { longTerm: open(canaryTransport(longTermPush.value, "remote-write", { deadlineMs: 2_000 })) } : {}),
      ...(collector ? { collector } : {}),
      timing: await alertTiming(reader.value, alertmanager.kind === "ready" ? alertmanager.value : undefined, ctx.contract, this.shortenedFrom, ctx.profile),
    };
    const probeTransport = open(canaryTransport(write.value, "remote-write"));
    this.startedAtMs = ctx.clock.nowMs();
    this.#running = startAvailabilityProbes({
      transport: probeTransport.http,
      prometheus: probe.value,
      runId: `${ctx.runId}-probe`,
      intervalMs: PROBE.intervalMs,
      timeoutMs: PROBE.timeoutMs,
      count: Math.ceil(PROBE.maxDrillMs / PROBE.intervalMs),
      deadlineMs: PROBE.maxDrillMs,
      clock: ctx.clock,
    });
    ctx.defer({ [Symbol.asyncDispose]: async () => void (await this.#running?.stop()) });
    return setup;
  }

  /** Stops the probes and judges availability through the drill, per fault too. */
  async availability(): Promise<CheckResult> {
    this.probes = (await this.#running?.stop()) ?? [];
    const { ctx } = this;
    return availabilityCheck({
      identity: identityOf("chaos.availability", this.startedAtMs),
      availability: availabilityOf(this.probes),
      target: ctx.contract.targets.availabilityPercent,
      probeIntervalMs: PROBE.intervalMs,
      probeTimeoutMs: PROBE.timeoutMs,
      perFault: this.phases.map((p) => {
        const during = probesBetween(this.probes, p.injectedAtMs, Math.max(p.heal.healedAtMs, p.recovery.recoveredAtMs ?? p.observedUntilMs));
        return { fault: p.fault.name, probes: during.length, failed: during.filter((x) => !x.ok).length };
      }),
      endedAtMs: ctx.clock.nowMs(),
    });
  }
}
