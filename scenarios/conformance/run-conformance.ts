import { parse } from "yaml";
import { systemClock, type Clock } from "../../common/clock.ts";
import { parseDurationMs } from "../../common/duration.ts";
import { Ledger } from "../../common/ledger.ts";
import { silentLogger, type Logger } from "../../common/log.ts";
import { AlertSink } from "../../assertions/alert-sink/webhook-sink.ts";
import { SmtpSink } from "../../assertions/alert-sink/smtp-sink.ts";
import type { SinkEndpoints } from "../../assertions/alert-sink/alertmanager-overrides.ts";
import { alertmanagerRoutesCheck, prometheusRetentionCheck, prometheusScrapeIntervalCheck } from "../../assertions/checks/config-checks.ts";
import { notRun } from "../../assertions/checks/check-builder.ts";
import { lokiRetentionCheck } from "../../assertions/checks/loki-retention-check.ts";
import { loadContract, profileOf, type Contract, type Profile } from "../../assertions/contract.ts";
import type { CheckResult, RunResult } from "../../assertions/run-result.ts";
import { PullCanaryTarget } from "../../load/canary/pull-target.ts";
import { createHttpTransport, createRemoteWriteTransport } from "../../load/transport/http-transport.ts";
import { withRetry } from "../../load/transport/with-retry.ts";
import { newRunId } from "../../stack/runtimes/local/local-runtime.ts";
import { loadQuerySuites } from "../shared/query-suites.ts";
import { instrumentListenHost, runtimeStartOptions } from "../shared/runtime-start-options.ts";
import { startStack } from "../../stack/runtimes/start-stack.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";
import type { ComponentStatus, RuntimeOverride } from "../../stack/started-stack.ts";
import { runAlertChecks, TRIGGERED_ALERTS } from "./alert-checks.ts";
import { alertmanagerToSinks } from "../shared/alert-sink-override.ts";
import { assembleRun } from "../shared/assemble-run.ts";
import { checkCollector, checkFilter } from "../shared/check-filter.ts";
import { notRunFor, simulatedBy } from "../shared/component-status.ts";
import { pillarChecksNotRun } from "../shared/inventory.ts";
import { StackClients } from "../shared/stack-clients.ts";
import { runPullCanary, runPushCanary } from "./metrics-canary-checks.ts";
import { logqlRunner, traceqlRunner } from "./log-trace-runners.ts";
import { runLogChecks } from "./logs-checks.ts";
import { AGENT_CHECK, agentCanaryPod, chooseLogAgent, runAgentLogCheck } from "./agent-logs-check.ts";
import { runTraceChecks } from "./traces-checks.ts";
import { InputError } from "../../common/errors.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../../load/encode/otlp-traces.ts";
import { promqlRunner } from "./promql-checks.ts";
import { preflightSuite, runSuiteLoad } from "./suite-checks.ts";
import { readRuleFors, shortenRuleFor } from "./rule-for-override.ts";

export interface ConformanceOptions {
  runtime: RuntimeChoice;
  profile: string;
  manifestsDir: string;
  runsDir: string;
  contractFile?: string;
  promqlSuiteFile?: string;
  logqlSuiteFile?: string;
  traceqlSuiteFile?: string;
  /** Negative control: every Nth canary trace is written without one child span. */
  omitChildSpanEvery?: number;
  bins?: Readonly<Record<string, string>>;
  /** Extra changes to the run (negative controls): applied after the scenario's own. */
  overrides?: readonly RuntimeOverride[];
  /** Rewrites where Alertmanager's receivers point (negative controls: a closed port). */
  sinkEndpoints?: (endpoints: SinkEndpoints) => SinkEndpoints;
  /** Run only checks whose id starts with one of these prefixes (default: all). */
  only?: readonly string[];
  logger?: Logger;
  progress?: (event: { kind: "start"; id: string } | { kind: "done"; check: CheckResult }) => void;
  clock?: Clock;
}

const RULES_DIR = "/etc/prometheus/rules";

/**
 * `obsconf run conformance`: the metrics and alerting pillars end to end on real Prometheus and
 * Alertmanager from the manifests, checked against the contract. Reads top to bottom:
 * contract -> instruments (alert sinks, pull target) -> stack -> checks in parallel -> result.
 */
export async function runConformance(options: ConformanceOptions): Promise<RunResult> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const { wanted, wantedGroup } = checkFilter(options.only);
  const contract = loadContract(options.contractFile);
  const profile = profileOf(contract, options.profile);
  const { promql: suite, logql: logqlSuite, traceql: traceqlSuite } = await loadQuerySuites(options);
  const runId = newRunId();
  const startedAtMs = clock.nowMs();
  const ledger = new Ledger();

  await using alertSink = await new AlertSink().withListenHost(instrumentListenHost(options.runtime)).start();
  await using smtpSink = await new SmtpSink().withListenHost(instrumentListenHost(options.runtime)).start();
  await using pullTarget = await new PullCanaryTarget({ runId, ledger, listenHost: instrumentListenHost(options.runtime), intervalMs: 60_000, count: profile.canaries.pullScrapes, deadlineMs: 600_000, begin: "on-demand" }).start();
  const sinkEndpoints = (options.sinkEndpoints ?? ((e) => e))({ pagerdutyUrl: alertSink.urls.pagerduty, slackUrl: alertSink.urls.slack, webhookBaseUrl: alertSink.urls.webhook, smtpHostPort: smtpSink.hostPort });
  const shortenedFrom = new Map<string, number>();
  const overrides: RuntimeOverride[] = [
    alertmanagerToSinks(sinkEndpoints),
    ...shortForOverrides(profile, shortenedFrom),
    ...(options.overrides ?? []),
  ];

  // The agent canary's pod: the runtime lists it to the log agents' pod discovery, the check writes its log file.
  const agentPod = agentCanaryPod();

  logger.info(`run ${runId}: profile ${profile.name}, contract ${contract.version} (${contract.file}), runtime ${options.runtime.runtime} (${options.runtime.reason})`);
  await using stack = await startStack(options.runtime, {
    ...runtimeStartOptions(options.runtime),
    manifestsDir: options.manifestsDir, runsDir: options.runsDir, runId, bins: options.bins ?? {}, overrides, logger, extraPods: [agentPod],
    extraServices: [{ name: "obsconf-pull-canary", namespace: "ecomm-prod", annotations: { "prometheus.io/scrape": "true" }, labels: { "app.kubernetes.io/part-of": "obsconf" }, ports: [{ name: "http", host: "127.0.0.1", port: Number(new URL(pullTarget.url).port) }] }],
  });
  await using clients = new StackClients(stack);
  const { statuses, prometheus, alertmanager, mimir, loki, tempo, otlp } = clients;
  const statusOf = (name: string) => clients.statusOf(name);
  const endpoints = stack.endpoints();
  const { checks, record, track } = checkCollector({ wanted, wantedGroup }, options.progress);

  const mimirStatus = statusOf("mimir");
  const httpTransport = prometheus ? createRemoteWriteTransport({ url: `${endpoints.prometheus!.web!.url}/api/v1/write` }) : undefined;
  const transport = httpTransport ? withRetry(httpTransport, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs: 5_000 }) : undefined;

  const otlpTransport = otlp ? createHttpTransport({ url: `${otlp.endpoint.url}/v1/traces`, headers: OTLP_HTTP_PROTOBUF_HEADERS }) : undefined;

  try {
    if (loki) await preflightSuite(logqlSuite, logqlRunner(loki, startedAtMs, clock)).catch(rethrowInputOnly);
    if (tempo) await preflightSuite(traceqlSuite, traceqlRunner(tempo, startedAtMs, clock)).catch(rethrowInputOnly);
    const logsAndTraces = Promise.all([
      loki
        ? track(["logs.ingestion", "logs.ingestion.tail"], () => runLogChecks({ loki, pushUrl: `${endpoints.loki!.http!.url}/loki/api/v1/push`, ledger, runId, contract, profile, simulatedBy: simulatedBy(statusOf("loki")), clock }))
        : undefined,
      track([AGENT_CHECK.id], async () => {
        const choice = chooseLogAgent({ stack, statusOf, lokiReady: loki !== undefined, contract, clock });
        if ("notRun" in choice || !loki) return "notRun" in choice ? choice.notRun : [];
        return runAgentLogCheck({ loki, ...choice, pod: agentPod, ledger, runId, contract, profile, simulatedBy: simulatedBy(statusOf("loki")), clock });
      }),
      loki
        ? track(["config.loki.retention"], async () =>
            statusOf("loki")?.plan.mode === "process"
              ? lokiRetentionCheck({ fetchConfig: () => fetchText(`${endpoints.loki!.http!.url}/config`), contract, clock })
              : notRun({ id: "config.loki.retention", title: "Loki retention", pillar: "config", startedAtMs: clock.nowMs() }, "unsupported", "the Loki reference sink keeps no retention settings; run a real loki to check them", contract.targets["retention.loki"]))
        : undefined,
      loki ? track(["query.logql"], () => runSuiteLoad({ id: "query.logql", title: "LogQL query response at concurrent users", suite: logqlSuite, runner: logqlRunner(loki, startedAtMs, clock), target: "latency.query.logql", contract, profile, clock, simulatedBy: simulatedBy(statusOf("loki")) })) : undefined,
      tempo && otlpTransport
        ? track(["traces.ingestion"], () => runTraceChecks({
            tempo, transport: otlpTransport, path: otlp!.path, ledger, runId, contract, profile, simulatedBy: otlp!.simulatedBy, clock,
            ...(options.omitChildSpanEvery ? { omitChildSpanEvery: options.omitChildSpanEvery } : {}),
          }))
        : undefined,
      tempo ? track(["query.traceql"], () => runSuiteLoad({ id: "query.traceql", title: "TraceQL query response at concurrent users", suite: traceqlSuite, runner: traceqlRunner(tempo, startedAtMs, clock), target: "latency.query.traceql", contract, profile, clock, simulatedBy: simulatedBy(statusOf("tempo")) })) : undefined,
    ]);
    if (prometheus && transport) {
      const promql = promqlRunner(prometheus, startedAtMs, clock);
      if (wanted("query.promql")) await preflightSuite(suite, promql);
      const scrapeIntervalMs = parseDurationMs(String((parse((await prometheus.config()).data) as { global?: { scrape_interval?: string } }).global?.scrape_interval ?? "1m")) ?? 60_000;
      await Promise.all([
        track(["config.prometheus.retention"], () => prometheusRetentionCheck({ client: prometheus, contract, clock })),
        track(["config.prometheus.scrape-interval"], () => prometheusScrapeIntervalCheck({ client: prometheus, contract, clock })),
        alertmanager ? track(["config.alertmanager.routes"], () => alertmanagerRoutesCheck({ client: alertmanager, contract, clock })) : undefined,
        track(["metrics.ingestion.push", "metrics.ingestion.long-term"], async () => {
          const { push, longTerm } = await runPushCanary({ prometheus, ...(mimir ? { longTerm: { client: mimir, simulatedBy: simulatedBy(mimirStatus) } } : {}), transport, ledger, runId, contract, profile, clock });
          return longTerm ? [push, longTerm] : [push, notRunFor("metrics.ingestion.long-term", "Metrics ingestion into the long-term store (Mimir)", "metrics", mimirStatus, clock)];
        }),
        track(["metrics.ingestion.pull"], () => runPullCanary({ prometheus, target: pullTarget, ledger, runId, contract, profile, scrapeIntervalMs, clock })),
        track(["query.promql"], () => runSuiteLoad({ id: "query.promql", title: "PromQL query response at concurrent users (Prometheus)", suite, runner: promql, target: "latency.query.promql", contract, profile, clock })),
        alertmanager
          ? track(["alerts.delivery"], () => runAlertChecks({ prometheus, alertmanager, transport, notifications: () => [...alertSink.notifications(), ...smtpSink.notifications()], runId, contract, profile, shortenedFrom, clock }))
          : undefined,
      ]);
    }
    await logsAndTraces;
    for (const check of componentsNotRun(statuses, contract, clock, checks.map((c) => c.id))) if (wanted(check.id)) record(check);
  } finally {
    await httpTransport?.close();
    await otlpTransport?.close();
  }
  await stack.stop();
  return assembleRun({ scenario: "conformance", runId, profile, contract, runtime: options.runtime, statuses, checks, startedAtMs, clock });
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} failed: HTTP ${response.status} ${JSON.stringify(text.slice(0, 200))}`);
  return text;
}

/** A query the server rejects as malformed is bad input and ends the run; any other failure is left to the checks. */
function rethrowInputOnly(error: unknown): void {
  if (error instanceof InputError) throw error;
}

/** Profile-specific short-`for` copies of the triggered rules (the report says so); none for documented. */
function shortForOverrides(profile: Profile, shortenedFrom: Map<string, number>): RuntimeOverride[] {
  const toMs = profile.alerts.shortenForToMs;
  if (toMs === undefined) return [];
  return TRIGGERED_ALERTS.map((t) => ({
    component: "prometheus",
    describe: `profile ${profile.name}: ${t.alert} exercised with for: ${toMs / 1000}s (copy of ${t.ruleFile}; the manifest is unchanged)`,
    file: {
      path: `${RULES_DIR}/${t.ruleFile}`,
      transform: (text: string) => {
        for (const r of readRuleFors(text, [t.alert])) shortenedFrom.set(r.alert, r.forMs);
        return shortenRuleFor(text, [t.alert], `${toMs / 1000}s`);
      },
    },
  }));
}

/** Without Prometheus or Alertmanager, their checks are unavailable with the plan's reason. */
function componentsNotRun(statuses: readonly ComponentStatus[], contract: Contract, clock: Clock, ran: readonly string[]): CheckResult[] {
  const nowMs = clock.nowMs();
  const prometheus = statuses.find((s) => s.plan.component === "prometheus");
  const alertmanager = statuses.find((s) => s.plan.component === "alertmanager");
  const missing: CheckResult[] = [];
  if (prometheus?.status.state !== "ready") {
    for (const [id, title] of [["metrics.ingestion.push", "Metrics ingestion, push path"], ["metrics.ingestion.pull", "Metrics ingestion, pull path"], ["query.promql", "PromQL query response"], ["config.prometheus.retention", "Prometheus retention"]] as const) {
      missing.push(notRunFor(id, title, id.startsWith("config") ? "config" : id.startsWith("query") ? "query" : "metrics", prometheus, clock));
    }
  }
  if (alertmanager?.status.state !== "ready" || prometheus?.status.state !== "ready") {
    missing.push(notRunFor("alerts.delivery", "Alert delivery", "alerts", alertmanager?.status.state !== "ready" ? alertmanager : prometheus, clock));
  }
  return [...missing, ...pillarChecksNotRun(statuses, contract, nowMs, ran)];
}
