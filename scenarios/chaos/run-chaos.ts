import { parse } from "yaml";
import { systemClock, type Clock } from "../../common/clock.ts";
import { parseDurationMs } from "../../common/duration.ts";
import { InputError } from "../../common/errors.ts";
import type { SignalKind } from "../../common/signal.ts";
import { silentLogger, type Logger } from "../../common/log.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { pointReceiversAtSink } from "../../assertions/alert-sink/alertmanager-overrides.ts";
import { SmtpSink } from "../../assertions/alert-sink/smtp-sink.ts";
import { AlertSink } from "../../assertions/alert-sink/webhook-sink.ts";
import { availabilityOf, probesBetween, type ProbeResult } from "../../assertions/chaos/availability.ts";
import { availabilityCheck, rpoCheck, rtoCheck } from "../../assertions/chaos/chaos-checks.ts";
import { errored, notRun, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import { parseAlertmanagerConfig } from "../../assertions/checks/config-checks.ts";
import { loadContract, profileOf, type Contract, type Profile } from "../../assertions/contract.ts";
import type { CheckResult, RunResult } from "../../assertions/run-result.ts";
import { createFault, mergePlacements, parseFaultSpec } from "../../chaos/index.ts";
import { LOKI_PUSH_HEADERS } from "../../load/encode/loki-push.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../../load/encode/otlp-traces.ts";
import { createHttpTransport, createRemoteWriteTransport, type HttpTransport } from "../../load/transport/http-transport.ts";
import { withRetry } from "../../load/transport/with-retry.ts";
import { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import { LokiClient } from "../../stack/clients/loki-client.ts";
import { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import { TempoClient } from "../../stack/clients/tempo-client.ts";
import { LocalRuntime, newRunId } from "../../stack/runtimes/local/local-runtime.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";
import type { ComponentStatus, RuntimeOverride } from "../../stack/started-stack.ts";
import { readRuleFors, shortenRuleFor } from "../conformance/rule-for-override.ts";
import { assembleRunResult } from "../shared/assemble-run-result.ts";
import { startAvailabilityProbes } from "./availability-probe.ts";
import { chaosTimeline } from "./chaos-timeline.ts";
import { defaultFaults } from "./default-faults.ts";
import { runFaultPhase, type ExtraCanaries, type PhaseContext, type PhaseOutcome } from "./fault-phase.ts";
import { runAlertPhase, type AlertTiming } from "./phase-alerts.ts";
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

const RULES_DIR = "/etc/prometheus/rules";
const ALERTMANAGER_CONFIG = "/etc/alertmanager/alertmanager.yml";
const STACK_HEALTH_RULES = "stack-health.rules.yml";
const TARGET_DOWN = "TargetDown";

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

  logger.info(`run ${runId}: chaos drill, profile ${profile.name}, ${faults.length} faults (${supported.length} supported here), contract ${contract.version}`);
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
    await using reader = new PrometheusClient({ baseUrl: prometheusUrl, timeoutMs: 2_000 });
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
  return assembleRunResult({ scenario: "chaos", runId, profile, contract, runtime: options.runtime, statuses, checks, startedAtMs, clock, timeline });
}

/** Probes: one every 500 ms, each to write and read back within 1 s; at most 30 minutes of drill. */
const PROBE = { intervalMs: 500, timeoutMs: 1_000, maxDrillMs: 30 * 60_000 };

/** Faults that can destroy a process's memory: on an in-memory reference sink they say nothing about the real component's durability. */
const PROCESS_FAULTS = new Set(["kill", "restart-keep-data", "restart-lose-data", "disk-full"]);

function phaseChecks(p: PhaseOutcome, contract: Contract, clock: Clock): CheckResult[] {
  const endedAtMs = clock.nowMs();
  const how = { kind: "note" as const, text: `how: ${p.how}` };
  return p.signals.flatMap((s) => {
    const title = (what: string) => `${what}, ${s.signal}${s.simulatedBy.length ? ` (through ${s.simulatedBy.join(", ")})` : ""} (${p.fault.name})`;
    const rpoId = identity(`chaos.${p.fault.name}.rpo.${s.signal}`, title("RPO"), s.signal, p.phaseStartMs);
    const rtoId = identity(`chaos.${p.fault.name}.rto.${s.signal}`, title("RTO and time to steady state"), s.signal, p.phaseStartMs);
    const read = { kind: "query" as const, text: `${s.query} read back continuously (${s.readerStats.queryErrors} failed queries${s.readerStats.lastQueryError ? `, last: ${s.readerStats.lastQueryError}` : ""}) and once more after heal` };
    const rpoTarget = contract.targets[`rpo.${s.signal}`];
    const rpo = s.simulatedBy.length > 0 && PROCESS_FAULTS.has(p.fault.spec.kind)
      ? notRun(rpoId, "unsupported", `${s.simulatedBy.join(", ")} keeps everything in memory: a ${p.fault.spec.kind} of it says nothing about the real component's durability (which replays its WAL)`, rpoTarget)
      : rpoCheck({ identity: rpoId, signal: s.signal, fault: p.fault.name, accounting: s.accounting, target: rpoTarget, dataLossExpected: p.fault.spec.kind === "restart-lose-data", endedAtMs, simulatedBy: s.simulatedBy });
    const rto = rtoCheck({
      identity: rtoId, fault: p.fault.name, injectedAtMs: p.injectedAtMs, healedAtMs: p.heal.healedAtMs, recovery: s.recovery, target: contract.targets.rto,
      steady: { latencyMs: s.steadyLatencyMs, derivation: s.steadyDerivation }, observedUntilMs: p.observedUntilMs, endedAtMs, simulatedBy: s.simulatedBy,
    });
    return [rpo, rto].map((c) => (c.status === "unsupported" ? c : { ...c, evidence: [how, ...c.evidence, read] }));
  });
}

/** Rule timings the alert checks need, read from the running Prometheus and Alertmanager (never restated). */
async function alertTiming(prometheus: PrometheusClient, alertmanager: AlertmanagerClient | undefined, contract: Contract, shortenedFrom: ReadonlyMap<string, number>, profile: Profile): Promise<AlertTiming | undefined> {
  if (!alertmanager) return undefined;
  const config = parse((await prometheus.config()).data) as { global?: { scrape_interval?: string; scrape_timeout?: string; evaluation_interval?: string } };
  const rules = (await prometheus.rules()).data;
  const group = rules.find((g) => g.rules.some((r) => r.name === TARGET_DOWN));
  const rule = group?.rules.find((r) => r.name === TARGET_DOWN);
  if (!group || !rule) return undefined;
  const highErrorRate = rules.flatMap((g) => g.rules).find((r) => r.name === "HighErrorRate");
  const route = parseAlertmanagerConfig((await alertmanager.status()).data.config.original).route;
  const from = shortenedFrom.get(TARGET_DOWN);
  return {
    scrapeIntervalMs: parseDurationMs(config.global?.scrape_interval ?? "1m") ?? 60_000,
    scrapeTimeoutMs: parseDurationMs(config.global?.scrape_timeout ?? "10s") ?? 10_000,
    evaluationIntervalMs: group.intervalMs,
    targetDownForMs: rule.forMs ?? 0,
    groupWaitMs: parseDurationMs(route.group_wait ?? "30s") ?? 30_000,
    highErrorRateWindowMs: parseDurationMs(/\[(\w+)\]/.exec(highErrorRate?.query ?? "")?.[1] ?? "5m") ?? 300_000,
    deliveryTarget: contract.targets["latency.alertDelivery"],
    ...(from !== undefined ? { shortenedFor: { fromMs: from, toMs: rule.forMs ?? 0, profile: profile.name } } : {}),
  };
}

/** Profile-specific short `for` of TargetDown in a copy of the stack-health rules (the report says so); none for documented. */
function shortForOverride(profile: Profile, shortenedFrom: Map<string, number>): RuntimeOverride[] {
  const toMs = profile.alerts.shortenForToMs;
  if (toMs === undefined) return [];
  return [{
    component: "prometheus",
    describe: `profile ${profile.name}: ${TARGET_DOWN} exercised with for: ${toMs / 1000}s (copy of ${STACK_HEALTH_RULES}; the manifest is unchanged)`,
    file: {
      path: `${RULES_DIR}/${STACK_HEALTH_RULES}`,
      transform: (text: string) => {
        for (const r of readRuleFors(text, [TARGET_DOWN])) shortenedFrom.set(r.alert, r.forMs);
        return shortenRuleFor(text, [TARGET_DOWN], `${toMs / 1000}s`);
      },
    },
  }];
}

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
