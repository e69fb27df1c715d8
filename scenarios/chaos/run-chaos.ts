import { systemClock, type Clock } from "../../common/clock.ts";
import { InputError } from "../../common/errors.ts";
import type { SignalKind } from "../../common/signal.ts";
import { silentLogger, type Logger } from "../../common/log.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { pointReceiversAtSink } from "../../assertions/alert-sink/alertmanager-overrides.ts";
import { SmtpSink } from "../../assertions/alert-sink/smtp-sink.ts";
import { AlertSink } from "../../assertions/alert-sink/webhook-sink.ts";
import { availabilityOf, probesBetween, type ProbeResult } from "../../assertions/chaos/availability.ts";
import { availabilityCheck } from "../../assertions/chaos/chaos-checks.ts";
import { errored, notRun, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import type { CheckResult, RunResult } from "../../assertions/run-result.ts";
import { createFault, mergePlacements, parseFaultSpec } from "../../chaos/index.ts";
import { LOKI_PUSH_HEADERS } from "../../load/encode/loki-push.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../../load/encode/otlp-traces.ts";
import { createHttpTransport, createRemoteWriteTransport, type HttpTransport } from "../../load/transport/http-transport.ts";
import { withRetry } from "../../load/transport/with-retry.ts";
import { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import { LokiClient } from "../../stack/clients/loki-client.ts";
import { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import { readerUrl } from "./reader-endpoint.ts";
import { TempoClient } from "../../stack/clients/tempo-client.ts";
import { LocalRuntime, newRunId } from "../../stack/runtimes/local/local-runtime.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";
import type { ComponentStatus, RuntimeOverride } from "../../stack/started-stack.ts";
import { assembleRun } from "../shared/assemble-run.ts";
import { startAvailabilityProbes } from "./availability-probe.ts";
import { chaosTimeline } from "./chaos-timeline.ts";
import { defaultFaults } from "./default-faults.ts";
import { runFaultPhase, type ExtraCanaries, type PhaseContext, type PhaseOutcome } from "./fault-phase.ts";
import { runAlertPhase } from "./phase-alerts.ts";
import { alertTiming, shortForOverride } from "./alert-timing.ts";
import { phaseChecks } from "./phase-checks.ts";
import { preflightFaults } from "./preflight-faults.ts";
import { logsCanary, tracesCanary } from "./signal-canary.ts";

export interface ChaosOptions {
  runtime: RuntimeChoice;
  profile: string;
  manifestsDir: string;
  runsDir: string;
  /** Fault specs (`kind:component[@port][:argument]`); default: the profile's list (default-faults.ts). */
  faults?: readonly string[];
  contractFile?: string;
  bins?: Readonly<Record<string, string>>;
  logger?: Logger;
  progress?: (event: { kind: "start"; id: string } | { kind: "done"; check: CheckResult }) => void;
  clock?: Clock;
}

const ALERTMANAGER_CONFIG = "/etc/alertmanager/alertmanager.yml";

/**
 * `obsconf run chaos`: for each fault, with canaries writing and reading through real Prometheus
 * and write+read probes running through the whole drill: steady state, inject, hold, heal, recover;
 * then account for every acknowledged write (RPO), time recovery (RTO), availability, and the
 * stack's own health alerts under the fault. Reads top to bottom: faults -> preflight -> instruments
 * -> stack (with the faults' placements) -> probes -> one phase per fault -> checks + timeline.
 */
export async function runChaos(options: ChaosOptions): Promise<RunResult> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const contract = loadContract(options.contractFile);
  const profile = profileOf(contract, options.profile);
  const faults = (options.faults?.length ? options.faults : defaultFaults(profile.name)).map((text) => {
    const spec = parseFaultSpec(text, { file: "command line", field: "--fault" });
    if (!COMPONENT_NAMES.includes(spec.component)) throw new InputError({ file: "command line", field: "--fault" }, `a component of the manifests (${COMPONENT_NAMES.join(", ")})`, `${JSON.stringify(spec.component)} in ${JSON.stringify(text)}`);
    return createFault(spec);
  });
  const runId = newRunId();
  const startedAtMs = clock.nowMs();
  const checks: CheckResult[] = [];
  const record = (list: CheckResult | readonly CheckResult[]) => {
    for (const check of [list].flat()) {
      checks.push(check);
      options.progress?.({ kind: "done", check });
    }
  };

  // Preflight before anything starts: a fault this host cannot do is reported `unsupported`, never skipped.
  const { supported, needs, unsupported } = await preflightFaults(faults, { runtime: options.runtime.runtime }, clock);
  record(unsupported);

  await using alertSink = await AlertSink.start();
  await using smtpSink = await SmtpSink.start();
  const notifications = () => [...alertSink.notifications(), ...smtpSink.notifications()];
  const sinkEndpoints = { pagerdutyUrl: alertSink.urls.pagerduty, slackUrl: alertSink.urls.slack, webhookBaseUrl: alertSink.urls.webhook, smtpHostPort: smtpSink.hostPort };
  const shortenedFrom = new Map<string, number>();
  const overrides: RuntimeOverride[] = [
    {
      component: "alertmanager",
      describe: `every receiver points at the harness's alert sinks (webhook ${sinkEndpoints.webhookBaseUrl}, Slack ${sinkEndpoints.slackUrl}, PagerDuty ${sinkEndpoints.pagerdutyUrl}, SMTP ${sinkEndpoints.smtpHostPort})`,
      file: { path: ALERTMANAGER_CONFIG, transform: (text) => pointReceiversAtSink(text, sinkEndpoints).text },
    },
    ...shortForOverride(profile, shortenedFrom),
  ];

  logger.info(`run ${runId}: chaos drill, profile ${profile.name}, ${faults.length} faults (${supported.length} supported here), contract ${contract.version}, runtime ${options.runtime.runtime} (${options.runtime.reason})`);
  await using stack = await LocalRuntime.start({
    manifestsDir: options.manifestsDir, runsDir: options.runsDir, runId, bins: options.bins ?? {}, overrides, logger, placements: mergePlacements(needs),
  });
  const statuses = stack.components();
  const statusOf = (name: string) => statuses.find((s) => s.plan.component === name);
  const endpoints = stack.endpoints();
  const prometheusUrl = statusOf("prometheus")?.status.state === "ready" ? endpoints.prometheus?.web?.url : undefined;
  const phases: PhaseOutcome[] = [];
  let probes: readonly ProbeResult[] = [];
  let drillStartMs = clock.nowMs();

  if (prometheusUrl === undefined) {
    for (const { fault } of supported) record(notRun(identity(`chaos.${fault.name}.fault`, `Fault ${fault.name}`, "stack", clock.nowMs()), "unavailable", notRunReason(statusOf("prometheus"))));
  } else {
    await using reader = new PrometheusClient({ baseUrl: readerUrl(stack, "prometheus", "web") ?? prometheusUrl, timeoutMs: 2_000 });
    await using probeClient = new PrometheusClient({ baseUrl: prometheusUrl, timeoutMs: PROBE.timeoutMs });
    const alertmanagerUrl = statusOf("alertmanager")?.status.state === "ready" ? endpoints.alertmanager?.web?.url : undefined;
    await using alertmanager = alertmanagerUrl ? new AlertmanagerClient({ baseUrl: alertmanagerUrl }) : undefined;
    const writeUrl = `${prometheusUrl}/api/v1/write`;
    const canaryHttp = createRemoteWriteTransport({ url: writeUrl });
    const probeHttp = createRemoteWriteTransport({ url: writeUrl });
    const transport = withRetry(canaryHttp, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs: 2_000 });
    const timing = await alertTiming(reader, alertmanager, contract, shortenedFrom, profile);
    const ctx: PhaseContext = { stack, reader, transport, runId, contract, profile, clock, logger };
    // Logs (traces) are accounted for too when the fault is on Loki (Tempo) or its reference sink:
    // a log (trace) canary through the push (OTLP/HTTP) API, read back through query_range (tag
    // search), in the same phase.
    const lokiUrl = statusOf("loki")?.status.state === "ready" ? endpoints.loki?.http?.url : undefined;
    await using loki = lokiUrl ? new LokiClient({ baseUrl: lokiUrl, timeoutMs: 2_000 }) : undefined;
    const lokiHttp = lokiUrl ? createHttpTransport({ url: `${lokiUrl}/loki/api/v1/push`, headers: LOKI_PUSH_HEADERS.protobuf }) : undefined;
    const tempoUrl = statusOf("tempo")?.status.state === "ready" ? endpoints.tempo?.http?.url : undefined;
    const otlpUrl = tempoUrl ? endpoints.tempo?.["otlp-http"]?.url : undefined;
    await using tempo = tempoUrl ? new TempoClient({ baseUrl: tempoUrl, timeoutMs: 2_000 }) : undefined;
    const otlpHttp = otlpUrl ? createHttpTransport({ url: `${otlpUrl}/v1/traces`, headers: OTLP_HTTP_PROTOBUF_HEADERS }) : undefined;
    const retried = (t: HttpTransport | undefined) => (t ? withRetry(t, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs: 2_000 }) : undefined);
    const lokiTransport = retried(lokiHttp), otlpTransport = retried(otlpHttp);
    const extraFor = (fault: { spec: { component: string } }): ExtraCanaries | undefined =>
      fault.spec.component === "loki" && loki && lokiTransport
        ? (canaryRunId) => [logsCanary({ canaryRunId, transport: lokiTransport, loki, simulatedBy: simulatedBy(statusOf("loki")), clock })]
        : fault.spec.component === "tempo" && tempo && otlpTransport
          ? (canaryRunId) => [tracesCanary({ canaryRunId, transport: otlpTransport, tempo, simulatedBy: simulatedBy(statusOf("tempo")), clock })]
          : undefined;
    drillStartMs = clock.nowMs();
    const running = startAvailabilityProbes({
      transport: probeHttp, prometheus: probeClient, runId: `${runId}-probe`, intervalMs: PROBE.intervalMs, timeoutMs: PROBE.timeoutMs,
      count: Math.ceil(PROBE.maxDrillMs / PROBE.intervalMs), deadlineMs: PROBE.maxDrillMs, clock,
    });
    let timedAfterRestart = false;
    try {
      for (const { fault, index } of supported) {
        const component = statusOf(fault.spec.component);
        const phaseId = (suffix: string, title: string, pillar: CheckResult["pillar"]) => identity(`chaos.${fault.name}.${suffix}`, `${title} (${fault.name})`, pillar, clock.nowMs());
        if (component?.status.state !== "ready") {
          record(notRun(phaseId("fault", "Fault", "stack"), "unavailable", notRunReason(component, fault.spec.component)));
          continue;
        }
        const signals = ["metrics", ...(extraFor(fault) ? [fault.spec.component === "loki" ? "logs" : "traces"] : [])];
        for (const id of signals.flatMap((signal) => [`rpo.${signal}`, `rto.${signal}`])) options.progress?.({ kind: "start", id: `chaos.${fault.name}.${id}` });
        const timeAfterRestart: boolean = !timedAfterRestart && fault.spec.component === "prometheus" && ["kill", "restart-keep-data", "restart-lose-data"].includes(fault.spec.kind);
        timedAfterRestart ||= timeAfterRestart;
        const alerts = await runAlertPhase({ fault, stack, prometheus: reader, transport, timing, notifications, runId, contract, profile, clock, logger, timeAfterRestart });
        try {
          const phase = await runFaultPhase(fault, index, ctx, alerts.hooks, extraFor(fault));
          phases.push(phase);
          record(phaseChecks(phase, contract, clock));
          record(await alerts.checks());
        } catch (error) {
          logger.error(`${fault.name}: ${error instanceof Error ? error.message : String(error)}`);
          record(signals.flatMap((signal) => [
            errored(phaseId(`rpo.${signal}`, `RPO, ${signal}`, signal as CheckResult["pillar"]), error, clock.nowMs(), contract.targets[`rpo.${signal as SignalKind}`]),
            errored(phaseId(`rto.${signal}`, `RTO and time to steady state, ${signal}`, signal as CheckResult["pillar"]), error, clock.nowMs(), contract.targets.rto),
          ]));
        }
      }
    } finally {
      probes = await running.stop();
      await canaryHttp.close();
      await probeHttp.close();
      await lokiHttp?.close();
      await otlpHttp?.close();
    }
    const availability = availabilityOf(probes);
    record(availabilityCheck({
      identity: identity("chaos.availability", "Availability through the drill (write+read probes)", "stack", drillStartMs),
      availability, target: contract.targets.availabilityPercent, probeIntervalMs: PROBE.intervalMs, probeTimeoutMs: PROBE.timeoutMs,
      perFault: phases.map((p) => {
        const during = probesBetween(probes, p.injectedAtMs, Math.max(p.heal.healedAtMs, p.recovery.recoveredAtMs ?? p.observedUntilMs));
        return { fault: p.fault.name, probes: during.length, failed: during.filter((x) => !x.ok).length };
      }),
      endedAtMs: clock.nowMs(),
    }));
  }
  const timeline = chaosTimeline({ phases, probes, notifications: notifications(), fromMs: drillStartMs, toMs: clock.nowMs() });
  await stack.stop();
  return assembleRun({ scenario: "chaos", runId, profile, contract, runtime: options.runtime, statuses, checks, startedAtMs, clock, timeline });
}

/** Probes: one every 500 ms, each to write and read back within 1 s; at most 30 minutes of drill. */
const PROBE = { intervalMs: 500, timeoutMs: 1_000, maxDrillMs: 30 * 60_000 };

function identity(id: string, title: string, pillar: CheckResult["pillar"], startedAtMs: number): CheckIdentity {
  return { id, title, pillar, startedAtMs };
}

function notRunReason(status: ComponentStatus | undefined, component = "prometheus"): string {
  if (!status) return `${component} is not in the manifests`;
  if (status.status.state === "error") return `${component} failed to start: ${status.status.error.split("\n")[0]}`;
  if (status.status.state === "ready") return `${component} is ready`;
  return `${component}: ${status.status.reason}`;
}

function simulatedBy(status: ComponentStatus | undefined): string[] {
  return status?.plan.mode === "substitute" ? [`${status.plan.substitute} (standing in for ${status.plan.component})`] : [];
}
