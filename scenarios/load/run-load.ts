import { systemClock, type Clock } from "../../common/clock.ts";
import { InputError } from "../../common/errors.ts";
import { Ledger } from "../../common/ledger.ts";
import { silentLogger, type Logger } from "../../common/log.ts";
import { AlertSink } from "../../assertions/alert-sink/webhook-sink.ts";
import { SmtpSink } from "../../assertions/alert-sink/smtp-sink.ts";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import type { CheckResult, RunResult } from "../../assertions/run-result.ts";
import type { GeneratorReport } from "../../load/generators/generator-report.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../../load/encode/otlp-traces.ts";
import { createHttpTransport, createRemoteWriteTransport } from "../../load/transport/http-transport.ts";
import { withRetry } from "../../load/transport/with-retry.ts";
import { newRunId } from "../../stack/runtimes/local/local-runtime.ts";
import { loadQuerySuites } from "../shared/query-suites.ts";
import { instrumentListenHost, runtimeStartOptions } from "../shared/runtime-start-options.ts";
import { startStack } from "../../stack/runtimes/start-stack.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";
import type { RuntimeOverride } from "../../stack/started-stack.ts";
import { logqlRunner, traceqlRunner } from "../conformance/log-trace-runners.ts";
import { runLogChecks } from "../conformance/logs-checks.ts";
import { runPushCanary } from "../conformance/metrics-canary-checks.ts";
import { promqlRunner } from "../conformance/promql-checks.ts";
import { preflightSuite, runSuiteLoad, type SuiteRunner } from "../conformance/suite-checks.ts";
import { runTraceChecks } from "../conformance/traces-checks.ts";
import { alertmanagerToSinks } from "../shared/alert-sink-override.ts";
import { assembleRun } from "../shared/assemble-run.ts";
import { checkCollector, checkFilter } from "../shared/check-filter.ts";
import { notRunFor, simulatedBy } from "../shared/component-status.ts";
import { StackClients } from "../shared/stack-clients.ts";
import { describeGenerator, generatorFor } from "./load-generators.ts";
import { planLoad, type SignalLoad } from "./load-plan.ts";
import { loadReceivers } from "./load-receivers.ts";
import { createLoadProgress } from "./load-progress.ts";
import { measureThroughput } from "./throughput-run.ts";
import { measureTraceLoss } from "./trace-loss.ts";
import { notRun } from "../../assertions/checks/check-builder.ts";
import { offeredRates } from "../../assertions/contract.ts";
import { buildK6Inputs, findK6, inClusterEndpoints, k6TargetsFrom } from "../../load/k6/index.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { extractComponents } from "../../stack/manifest/component-spec.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { StartedClusterStack } from "../../stack/runtimes/cluster/index.ts";
import { chooseLoadPath, type K6Host, type LoadGeneratorName } from "./load-generator-choice.ts";
import { localK6Runner, operatorK6Runner, sharedK6Load } from "./k6-load.ts";
import path from "node:path";

export interface LoadRunOptions {
  runtime: RuntimeChoice;
  profile: string;
  /** `--duration`: replaces the profile's load duration. */
  durationMs?: number;
  manifestsDir: string;
  runsDir: string;
  contractFile?: string;
  promqlSuiteFile?: string;
  logqlSuiteFile?: string;
  traceqlSuiteFile?: string;
  bins?: Readonly<Record<string, string>>;
  /** `--generator`: builtin worker processes (default) or the k6 scripts (local k6, or k6-operator TestRuns on a cluster). */
  generator?: LoadGeneratorName;
  /** Run only checks whose id starts with one of these prefixes (default: all). */
  only?: readonly string[];
  /** Extra changes to the run (negative controls), applied after the scenario's own. */
  overrides?: readonly RuntimeOverride[];
  logger?: Logger;
  progress?: (event: { kind: "start"; id: string } | { kind: "done"; check: CheckResult }) => void;
  clock?: Clock;
}

const THROUGHPUT_TITLES = {
  metrics: "Metrics throughput at the profile's rate (remote write, accepted by the receiver's own counter)",
  logs: "Logs throughput at the profile's rate (Loki push, accepted bytes by the receiver's own counter)",
  traces: "Traces throughput at the profile's rate (OTLP/HTTP, accepted spans by the receiver's own counter)",
} as const;

/**
 * `obsconf run load`: the nightly load run. Reads top to bottom: contract and plan -> alert sinks
 * (so Alertmanager never calls out) -> stack -> at once, for the load window: the three generators at
 * the profile's rates (accepted/s read from each receiver's own counters), the canaries of every
 * signal (ingestion latency under load), and the query suites at the profile's users -> result.
 */
export async function runLoadScenario(options: LoadRunOptions): Promise<RunResult> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const { wanted, wantedGroup } = checkFilter(options.only);
  const contract = loadContract(options.contractFile);
  const contractProfile = profileOf(contract, options.profile);
  const plan = planLoad(contract, contractProfile, options.durationMs);
  const profile = plan.profile;
  const { promql: promqlSuite, logql: logqlSuite, traceql: traceqlSuite } = await loadQuerySuites(options);
  const runId = newRunId();
  const startedAtMs = clock.nowMs();
  const ledger = new Ledger();

  await using alertSink = await new AlertSink().withListenHost(instrumentListenHost(options.runtime)).start();
  await using smtpSink = await new SmtpSink().withListenHost(instrumentListenHost(options.runtime)).start();
  const overrides = [
    alertmanagerToSinks({ pagerdutyUrl: alertSink.urls.pagerduty, slackUrl: alertSink.urls.slack, webhookBaseUrl: alertSink.urls.webhook, smtpHostPort: smtpSink.hostPort }),
    ...(options.overrides ?? []),
  ];
  logger.info(`run ${runId}: load, profile ${profile.name}, contract ${contract.version} (${contract.file}), runtime ${options.runtime.runtime} (${options.runtime.reason}), duration ${plan.durationSource}`);
  for (const s of plan.signals) logger.info(`  ${s.signal}: offering ${round(s.offeredPerSec)} ${s.unit}/s = ${s.target.value} ${s.target.unit} x ${s.offeredFraction}`);
  await using stack = await startStack(options.runtime, {
    ...runtimeStartOptions(options.runtime), manifestsDir: options.manifestsDir, runsDir: options.runsDir, runId, bins: options.bins ?? {}, overrides, logger });
  await using clients = new StackClients(stack);
  const { statuses, prometheus, mimir, loki, tempo, otlp } = clients;
  const endpoints = stack.endpoints();
  const receivers = loadReceivers(clients, stack);
  const { checks, track } = checkCollector({ wanted, wantedGroup }, options.progress);
  const progress = createLoadProgress({ logger, durationMs: plan.durationMs, clock });
  /** Lines added to a check's evidence after it was built (load arrival, trace loss). */
  const notes: { id: string; text: string }[] = [];

  // --generator: builtin worker processes, local k6, or k6-operator TestRuns (cluster); the throughput verdict reads the receivers' counters either way.
  const host: K6Host = stack instanceof StartedClusterStack ? { runtime: "cluster", operator: await stack.k6Operator() } : { runtime: options.runtime.runtime === "cluster" ? "local" : options.runtime.runtime };
  const loadPath = chooseLoadPath(options.generator ?? "builtin", host);
  const addNote = (signal: SignalLoad["signal"], text: string) => notes.push({ id: `throughput.${signal}`, text });
  if (loadPath.kind === "builtin" && loadPath.note) {
    logger.info(loadPath.note);
    for (const s of plan.signals) addNote(s.signal, loadPath.note);
  }
  let k6Unavailable: string | undefined;
  let k6Generate: ((signal: SignalLoad["signal"]) => Promise<GeneratorReport>) | undefined;
  if (loadPath.kind !== "builtin") {
    const k6Bin = options.bins?.["k6"];
    const k6 = loadPath.kind === "k6-local" ? await findK6(k6Bin) : undefined;
    if (k6 && !k6.available) {
      // The same lookup and reason as runK6's own: no binary, nothing started, every throughput check says why.
      k6Unavailable = k6.reason;
      logger.info(`k6: ${k6Unavailable}; every throughput check is unavailable`);
    } else {
      const rates = offeredRates(contract, profile);
      const mimirReceives = clients.ready("mimir");
      const targetEndpoints = loadPath.kind === "k6-operator" && stack instanceof StartedClusterStack
        ? inClusterEndpoints(extractComponents(await loadManifests(options.manifestsDir), COMPONENT_NAMES), stack.namespace)
        : endpoints;
      const targets = k6TargetsFrom(targetEndpoints, { metricsReceiver: mimirReceives ? "mimir" : "prometheus" });
      // Locally, remote write goes exactly where the builtin generator sends (a substitute may take it on another path, e.g. VictoriaMetrics' /api/v1/write).
      const metricsReceiver = receivers.metrics;
      if (loadPath.kind === "k6-local" && metricsReceiver.kind === "ready") targets.remoteWrite = { available: true, url: metricsReceiver.receiver.url, receiver: metricsReceiver.receiver.name };
      const inputs = buildK6Inputs({
        contract, profile, offered: rates, targets,
        suites: [promqlSuite, logqlSuite, traceqlSuite], runStartedAtMs: startedAtMs, ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
      });
      const loads = plan.signals.filter((s) => wantedGroup([`throughput.${s.signal}`]) && receivers[s.signal].kind === "ready");
      const runner = loadPath.kind === "k6-operator" && stack instanceof StartedClusterStack
        ? operatorK6Runner({ host: stack, inputs, loads, durationMs: plan.durationMs, clock, logger, notes: addNote })
        : localK6Runner({ inputs, loads, durationMs: plan.durationMs, workDir: path.join(options.runsDir, runId, "k6"), ...(k6Bin ? { k6Bin } : {}), clock, logger, notes: addNote });
      if (loadPath.kind === "k6-operator") logger.info(`k6-operator: ${loadPath.detail}; the load runs as TestRuns in the run namespace`);
      k6Generate = sharedK6Load(loads.map((s) => s.signal), runner);
    }
  }

  const remoteWrite = prometheus ? createRemoteWriteTransport({ url: `${endpoints.prometheus!.web!.url}/api/v1/write` }) : undefined;
  const canaryTransport = remoteWrite ? withRetry(remoteWrite, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs: 5_000 }) : undefined;
  const otlpTransport = otlp ? createHttpTransport({ url: `${otlp.endpoint.url}/v1/traces`, headers: OTLP_HTTP_PROTOBUF_HEADERS }) : undefined;
  const suiteRunners: { id: string; title: string; suite: typeof promqlSuite; runner: SuiteRunner | undefined; target: "latency.query.promql" | "latency.query.logql" | "latency.query.traceql"; simulatedBy: string[]; component: string }[] = [
    { id: "query.promql", title: "PromQL query response at concurrent users, under load (Prometheus)", suite: promqlSuite, runner: prometheus && promqlRunner(prometheus, startedAtMs, clock), target: "latency.query.promql", simulatedBy: [], component: "prometheus" },
    { id: "query.logql", title: "LogQL query response at concurrent users, under load", suite: logqlSuite, runner: loki && logqlRunner(loki, startedAtMs, clock), target: "latency.query.logql", simulatedBy: simulatedBy(clients.statusOf("loki")), component: "loki" },
    { id: "query.traceql", title: "TraceQL query response at concurrent users, under load", suite: traceqlSuite, runner: tempo && traceqlRunner(tempo, startedAtMs, clock), target: "latency.query.traceql", simulatedBy: simulatedBy(clients.statusOf("tempo")), component: "tempo" },
  ];

  try {
    // A query the server rejects as malformed is bad input and ends the run before any load.
    for (const s of suiteRunners) if (s.runner && wanted(s.id)) await preflightSuite(s.suite, s.runner).catch(rethrowInputOnly);
    // Generator workers take seconds to start (more under contention): canaries and query load begin once
    // every receiver's counter shows its load arriving, so they measure the stack under load.
    const arrivals: Promise<void>[] = [];
    const throughput = (load: SignalLoad) => {
      const id = `throughput.${load.signal}`;
      const receiver = receivers[load.signal];
      let arrived = () => {};
      if (wantedGroup([id]) && receiver.kind === "ready" && k6Unavailable === undefined) arrivals.push(new Promise<void>((resolve) => (arrived = resolve)));
      return track([id], async () => {
        if (receiver.kind === "unavailable") return notRunFor(id, THROUGHPUT_TITLES[load.signal], load.signal, receiver.status, clock);
        if (k6Unavailable !== undefined) return notRun({ id, title: THROUGHPUT_TITLES[load.signal], pillar: load.signal, startedAtMs: clock.nowMs() }, "unavailable", `--generator k6: ${k6Unavailable}`, load.target);
        return measureThroughput({
          identity: { id, title: THROUGHPUT_TITLES[load.signal], pillar: load.signal }, load, profile: profile.name, durationMs: plan.durationMs, receiver: receiver.receiver,
          generate: k6Generate ? () => k6Generate(load.signal) : generatorFor(load),
          notes: [k6Generate ? `generator: k6 (${loadPath.kind === "k6-operator" ? "k6-operator TestRuns in the run namespace" : "local k6 processes"}), load/k6/scripts` : describeGenerator(load)], clock, onSample: (sample) => progress.sample(sample),
          onArriving: ({ seen, afterMs }) => {
            notes.push({ id, text: seen ? `load seen arriving at the receiver ${(afterMs / 1000).toFixed(1)}s after the generator was started (worker start-up)` : "the load was never seen arriving at the receiver's counter" });
            arrived();
          },
        }).finally(arrived);
      });
    };
    const loads = plan.signals.map(throughput);
    const arrivalStartMs = clock.nowMs();
    const underLoad = Promise.all(arrivals).then(() => {
      const next = wantedGroup(["metrics.ingestion", "logs.ingestion", "traces.ingestion", "query."]) ? "; canaries and query load start" : "";
      if (arrivals.length) logger.info(`load arriving at every receiver after ${((clock.nowMs() - arrivalStartMs) / 1000).toFixed(1)}s${next}`);
    });
    const whenLoaded = <T>(run: () => Promise<T>) => () => underLoad.then(run);
    await Promise.all([
      ...loads,
      prometheus && canaryTransport
        ? track(["metrics.ingestion.push", "metrics.ingestion.long-term"], whenLoaded(async () => {
            const { push, longTerm } = await runPushCanary({ prometheus, ...(mimir ? { longTerm: { client: mimir, simulatedBy: simulatedBy(clients.statusOf("mimir")) } } : {}), transport: canaryTransport, ledger, runId, contract, profile, clock });
            return longTerm ? [push, longTerm] : push;
          }))
        : track(["metrics.ingestion.push"], async () => notRunFor("metrics.ingestion.push", "Metrics ingestion under load, push path", "metrics", clients.statusOf("prometheus"), clock)),
      loki
        ? track(["logs.ingestion", "logs.ingestion.tail"], whenLoaded(() => runLogChecks({ loki, pushUrl: `${endpoints.loki!.http!.url}/loki/api/v1/push`, ledger, runId, contract, profile, simulatedBy: simulatedBy(clients.statusOf("loki")), clock })))
        : track(["logs.ingestion"], async () => notRunFor("logs.ingestion", "Logs ingestion under load", "logs", clients.statusOf("loki"), clock)),
      tempo && otlpTransport && otlp
        ? track(["traces.ingestion"], whenLoaded(async () => {
            const [traceChecks, loss] = await Promise.all([
              runTraceChecks({ tempo, transport: otlpTransport, path: otlp.path, ledger, runId, contract, profile, simulatedBy: otlp.simulatedBy, clock }),
              measureTraceLoss({ tempo, ledger, runId, contract, profile, clock }),
            ]);
            notes.push({ id: "throughput.traces", text: loss });
            return traceChecks;
          }))
        : track(["traces.ingestion"], async () => notRunFor("traces.ingestion", "Traces ingestion under load", "traces", clients.statusOf("tempo"), clock)),
      ...suiteRunners.map((s) =>
        track([s.id], s.runner
          ? whenLoaded(() => runSuiteLoad({ id: s.id, title: s.title, suite: s.suite, runner: s.runner!, target: s.target, contract, profile, clock, simulatedBy: s.simulatedBy }))
          : async () => notRunFor(s.id, s.title, "query", clients.statusOf(s.component), clock)),
      ),
    ]);
  } finally {
    progress.stop();
    await remoteWrite?.close();
    await otlpTransport?.close();
  }
  for (const n of notes) checks.find((c) => c.id === n.id)?.evidence.push({ kind: "note", text: n.text });
  await stack.stop();
  const blockers = [
    ...plan.signals.filter((s) => s.offeredFraction !== 1).map((s) => `${s.signal} load offered ${s.offeredFraction} of the documented ${s.target.value} ${s.target.unit}`),
    ...(plan.durationMs !== contractProfile.load.durationMs ? [`the load ran ${plan.durationSource}`] : []),
  ];
  return assembleRun({ scenario: "load", runId, profile, contract, runtime: options.runtime, statuses, checks, startedAtMs, clock, blockers });
}

function rethrowInputOnly(error: unknown): void {
  if (error instanceof InputError) throw error;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
