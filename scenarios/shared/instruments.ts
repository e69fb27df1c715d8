import { randomUUID } from "node:crypto";
import type { Notification } from "../../assertions/alert-sink/notification.ts";
import type { SinkEndpoints } from "../../assertions/alert-sink/alertmanager-overrides.ts";
import { SmtpSink, type StartedSmtpSink } from "../../assertions/alert-sink/smtp-sink.ts";
import { AlertSink, type StartedAlertSink } from "../../assertions/alert-sink/webhook-sink.ts";
import type { Clock } from "../../common/clock.ts";
import type { Ledger } from "../../common/ledger.ts";
import { PullCanaryTarget, type StartedPullTarget } from "../../load/canary/pull-target.ts";
import { absent, ready, type Reach } from "../../stack/clients/reach.ts";
import type { ExtraPod, ExtraService } from "../../stack/started-stack.ts";

/** Which measurement instruments a scenario needs before the stack starts. */
export interface InstrumentsSpec {
  /** The scraped /metrics target of the pull canary, exposing this many values over this many series. */
  pullTarget?: { count: number; series: number };
  /** The harness pod whose container log file the agent canary writes (listed to the agents' pod discovery). */
  agentPod?: boolean;
}

/** The run's instruments: the alert sinks every Alertmanager receiver points at, and what the spec asked for. */
export interface Instruments extends AsyncDisposable {
  readonly sinkEndpoints: SinkEndpoints;
  /** Whether Alertmanager's receivers point at the sinks (absent on a stack obsconf did not start: its configuration is not obsconf's). */
  readonly alertRouting: Reach<SinkEndpoints>;
  /** Every notification the webhook and SMTP sinks received so far. */
  notifications(): readonly Notification[];
  readonly pullTarget: Reach<StartedPullTarget>;
  readonly agentPod: Reach<ExtraPod>;
  /** What the runtime offers to Kubernetes discovery for the instruments (the pull target's Service). */
  readonly extraServices: readonly ExtraService[];
  readonly extraPods: readonly ExtraPod[];
}

/**
 * Starts the alert sinks (webhook channels and SMTP) and the instruments the spec names. They listen on
 * loopback for the local runtime and on every interface where pods must reach them (k3s, cluster).
 */
export async function startInstruments(spec: InstrumentsSpec, o: InstrumentsOptions): Promise<Instruments> {
  const opened: AsyncDisposable[] = [];
  try {
    const alertSink: StartedAlertSink = await new AlertSink().withClock(o.clock).withListenHost(o.listenHost).start();
    opened.push(alertSink);
    const smtpSink: StartedSmtpSink = await new SmtpSink().withListenHost(o.listenHost).start();
    opened.push(smtpSink);
    const pullTarget = spec.pullTarget && o.noProcessControl === undefined ? await startPullTarget(spec.pullTarget, o) : undefined;
    if (pullTarget) opened.push(pullTarget);
    const agentPod = spec.agentPod && o.noProcessControl === undefined ? agentCanaryPod() : undefined;
    return {
      ...reachOfInstruments(spec, { alertSink, smtpSink, pullTarget, agentPod, why: o.noProcessControl }),
      notifications: () => [...alertSink.notifications(), ...smtpSink.notifications()],
      extraServices: pullTarget ? [pullCanaryService(pullTarget)] : [],
      extraPods: agentPod ? [agentPod] : [],
      [Symbol.asyncDispose]: () => disposeAll(opened),
    };
  } catch (error) {
    await disposeAll(opened);
    throw error;
  }
}

export interface InstrumentsOptions {
  runId: string;
  ledger: Ledger;
  listenHost: string;
  clock: Clock;
  /** Why obsconf cannot control the stack's processes and configuration (attach): no instrument it would have to be told about. */
  noProcessControl?: string;
}

/** The pull canary's scraped /metrics target, writing values on demand. */
function startPullTarget(size: { count: number; series: number }, o: InstrumentsOptions): Promise<StartedPullTarget> {
  return new PullCanaryTarget({
    runId: o.runId,
    ledger: o.ledger,
    listenHost: o.listenHost,
    intervalMs: 60_000,
    count: size.count,
    series: size.series,
    deadlineMs: 600_000,
    begin: "on-demand",
    clock: o.clock,
  }).start();
}

interface StartedParts {
  alertSink: StartedAlertSink;
  smtpSink: StartedSmtpSink;
  pullTarget: StartedPullTarget | undefined;
  agentPod: ExtraPod | undefined;
  /** `noProcessControl`: why an instrument is absent on this stack. */
  why: string | undefined;
}

/** What the checks may use: the sinks' endpoints and each instrument, or the reason it is absent. */
function reachOfInstruments(
  spec: InstrumentsSpec,
  { alertSink, smtpSink, pullTarget, agentPod, why }: StartedParts,
): Pick<Instruments, "sinkEndpoints" | "alertRouting" | "pullTarget" | "agentPod"> {
  const sinkEndpoints = {
    pagerdutyUrl: alertSink.urls.pagerduty,
    slackUrl: alertSink.urls.slack,
    webhookBaseUrl: alertSink.urls.webhook,
    smtpHostPort: smtpSink.hostPort,
  };
  return {
    sinkEndpoints,
    alertRouting:
      why === undefined
        ? ready(sinkEndpoints)
        : absent(
            `${why}: alert delivery needs Alertmanager's receivers pointed at the harness's sinks (and the profile's shortened 'for' on the rules), which only the stack's own configuration can do`,
          ),
    pullTarget: pullTarget
      ? ready(pullTarget)
      : absent(
          why !== undefined && spec.pullTarget
            ? `${why}: the pull path needs Prometheus to scrape the harness's canary target, which only the stack's own scrape configuration can add`
            : "this scenario exposes no pull canary target",
        ),
    agentPod: agentPod
      ? ready(agentPod)
      : absent(
          why !== undefined && spec.agentPod
            ? `${why}: the agent path needs the harness to write a pod's log file on the node the agents read, which only a stack obsconf started offers`
            : "this scenario writes no agent canary",
        ),
  };
}

/** The Service that lists the pull canary target to Prometheus' Kubernetes discovery. */
function pullCanaryService(pullTarget: StartedPullTarget): ExtraService {
  return {
    name: "obsconf-pull-canary",
    namespace: "ecomm-prod",
    annotations: { "prometheus.io/scrape": "true" },
    labels: { "app.kubernetes.io/part-of": "obsconf" },
    ports: [{ name: "http", host: "127.0.0.1", port: Number(new URL(pullTarget.url).port) }],
  };
}

/** The harness pod whose container log file carries the agent canary (registered with the runtime as an ExtraPod). */
export function agentCanaryPod(): ExtraPod {
  return {
    name: "obsconf-agent-canary",
    namespace: "ecomm-prod",
    uid: randomUUID(),
    container: "canary",
    labels: { "app.kubernetes.io/name": "obsconf-agent-canary", "app.kubernetes.io/part-of": "obsconf" },
  };
}

async function disposeAll(opened: readonly AsyncDisposable[]): Promise<void> {
  for (const item of [...opened].reverse()) await item[Symbol.asyncDispose]();
}
