import { parseDurationMs } from "../../common/duration.ts";
import type { Clock } from "../../common/clock.ts";
import { pollUntil } from "../../common/poll-until.ts";
import { alertLabels, planRouteExercises, underTest, type AlertUnderTest, type ExercisePlan } from "../../assertions/alert-delivery-plan.ts";
import { routedDelivery, type RoutedDelivery } from "../../assertions/alert-delivery-routes.ts";
import type { AlertChannel, Notification } from "../../assertions/alert-sink/notification.ts";
import { alertmanagerManifest, prometheusRulesManifest, type ManifestAlertRule } from "../../assertions/alerting-manifest.ts";
import type { AlertmanagerRoute } from "../../assertions/checks/alertmanager-routing.ts";
import { errored } from "../../assertions/checks/check-builder.ts";
import { identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import { deadmansSwitchCheck } from "../../assertions/checks/deadmans-switch-check.ts";
import { routeDeliveryCheck, type ExercisedRoute } from "../../assertions/checks/route-delivery-check.ts";
import { parseAlertmanagerConfig } from "../../assertions/checks/alertmanager-routing.ts";
import { requiredRoutes, type Contract, type ContractTarget, type Profile } from "../../assertions/contract.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { RuleGroup } from "../../stack/clients/prometheus-parse.ts";
import type { ManifestSet } from "../../stack/manifest/load-manifests.ts";
import { triggerAlerts, triggerSeries, type AlertTrigger } from "./alert-trigger.ts";

/** The alerting rules the synthetic trigger makes true, and which of its series each one reads. */
export const TRIGGERED_ALERTS = [
  { alert: "HighErrorRate", ruleFile: "seed.rules.yml", series: "errors" },
  { alert: "TargetDown", ruleFile: "stack-health.rules.yml", series: "up" },
] as const satisfies readonly { alert: string; ruleFile: string; series: "errors" | "up" }[];

/** The always-firing alert that feeds the dead man's switch. */
export const WATCHDOG_ALERT = "Watchdog";

/** One delivery check per channel the contract routes to; the email channel is the summary route. */
const CHANNEL_CHECKS = [
  { channel: "pagerduty", check: "alerts.delivery.pagerduty" },
  { channel: "slack", check: "alerts.delivery.slack" },
  { channel: "webhook", check: "alerts.delivery.webhook" },
  { channel: "email", check: "alerts.delivery.email", summary: true },
] as const satisfies readonly { channel: AlertChannel; check: CheckId; summary?: boolean }[];

/** The checks `runAlertChecks` reports. */
export const ALERT_CHECK_IDS = [...CHANNEL_CHECKS.map((c) => c.check), "alerts.deadmans-switch"] as const satisfies readonly CheckId[];

export interface AlertChecksOptions {
  prometheus: PrometheusClient;
  alertmanager: AlertmanagerClient;
  transport: Transport;
  notifications: () => readonly Notification[];
  /** The manifests as written: where each alert must land is computed from them, never from the running config. */
  manifests: ManifestSet;
  runId: string;
  contract: Contract;
  profile: Profile;
  /** The manifest's `for` of each triggered alert when the profile shortened it (for the report). */
  shortenedFrom?: ReadonlyMap<string, number>;
  clock: Clock;
  /** Aborted when Prometheus or Alertmanager dies: the checks stop waiting. */
  signal?: AbortSignal;
}

/**
 * Alert delivery, end to end through the running Prometheus and Alertmanager. Each route the contract
 * names is exercised by an alert: a manifest rule the synthetic trigger makes true at a known time
 * (HighErrorRate, TargetDown), else a probe posted to Alertmanager with the route's labels, in the same
 * window. Each alert must reach exactly the receivers the manifest's route tree gives it (computed with
 * Alertmanager's matching, `continue` included), and no other. The Watchdog is checked as the dead man's
 * switch. A rule the running Prometheus did not load fails the checks it feeds, by name.
 */
export async function runAlertChecks(o: AlertChecksOptions): Promise<CheckResult[]> {
  const startedAtMs = o.clock.nowMs();
  const target = o.contract.targets["latency.alertDelivery"];
  const allIds = ALERT_CHECK_IDS.map((id) => identityOf(id, startedAtMs));
  const erroredAll = (error: unknown) => allIds.map((id) => errored(id, error, o.clock.nowMs(), target));
  let setup: AlertSetup;
  try {
    setup = await prepare(o);
  } catch (error) {
    return erroredAll(error);
  }
  const fired = setup.plan.exercises.filter((e) => e.alert.kind === "rule" && setup.running.has(e.alert.alert)).map((e) => e.alert.alert);
  let window: FiringWindow;
  try {
    window = await fireAlerts(o, { setup, fired });
  } catch (error) {
    return erroredAll(error);
  }
  const run: AlertRun = { setup, fired, window };
  if (window.trigger) await waitUntilSettled(o, run);
  // Read at the end: at the start of a run the Watchdog's group may not have been evaluated yet.
  const watchdogActiveAtMs = await o.prometheus.alerts().then(
    (r) => r.data.find((a) => a.labels.alertname === WATCHDOG_ALERT)?.activeAtMs,
    () => undefined,
  );
  const endedAtMs = o.clock.nowMs();
  const notifications = o.notifications();
  const delivered = deliveriesOf(notifications, run);
  const channelChecks = CHANNEL_CHECKS.map((c) =>
    routeDeliveryCheck({
      identity: identityOf(c.check, startedAtMs),
      channel: c.channel,
      routes: exercisedRoutes(o, { run, delivered, channel: c.channel }),
      target,
      contractFile: o.contract.file,
      endedAtMs,
      ...("summary" in c ? { summary: c.summary } : {}),
    }),
  );
  return [...channelChecks, deadmanCheck({ setup, startedAtMs, endedAtMs, target, notifications, watchdogActiveAtMs })];
}

type AlertSetup = Awaited<ReturnType<typeof prepare>>;

/** When the alerts were made to fire, and until when their notifications and resolves are waited for. */
interface FiringWindow {
  trigger?: AlertTrigger;
  /** When the route probes were posted, and the end they were given. */
  probes?: { atMs: number; endAtMs: number };
  windowEndMs: number;
}

/** What the checks judge the notifications against: the setup, the rules made to fire (by name) and when. */
interface AlertRun {
  setup: AlertSetup;
  fired: readonly string[];
  window: FiringWindow;
}

/**
 * Makes the exercised alerts fire: posts the route probes to Alertmanager and writes the trigger
 * series, both held until every route has flushed while they fire. Nothing to fire: an empty window.
 */
async function fireAlerts(o: AlertChecksOptions, { setup, fired }: Pick<AlertRun, "setup" | "fired">): Promise<FiringWindow> {
  const { plan, running, groupWaits, groupIntervals } = setup;
  const firedRules = TRIGGERED_ALERTS.filter((t) => fired.includes(t.alert)).flatMap((t) => running.get(t.alert) ?? []);
  if (firedRules.length === 0 && plan.probes.length === 0) return { windowEndMs: o.clock.nowMs() };
  const forMs = Math.max(0, ...firedRules.map((r) => r.forMs));
  const evaluationIntervalMs = Math.max(0, ...firedRules.map((r) => r.intervalMs));
  const errorRule = running.get("HighErrorRate");
  const windowMs = parseDurationMs(/\[(\w+)\]/.exec(errorRule?.query ?? "")?.[1] ?? "5m") ?? 300_000;
  // Hold the conditions until every route has flushed while they fire: a summary route with a long
  // group_wait (and send_resolved: false) would otherwise only ever see them resolved.
  const holdMs = forMs + evaluationIntervalMs + Math.max(evaluationIntervalMs, ...groupWaits) + 10_000;
  const probes = plan.probes.length > 0 ? await postProbes(o, { probes: plan.probes, token: setup.token, holdMs }) : undefined;
  const trigger = await triggerAlerts({ transport: o.transport, runId: o.runId, windowMs, holdMs, clock: o.clock, ...(o.signal ? { signal: o.signal } : {}) });
  // Resolves go out on the group's next flush after the condition is false: within one group_interval
  // of the paging and chat routes (the summary route's day-long interval is not waited for).
  const windowEndMs = trigger.falseAtMs + evaluationIntervalMs + Math.min(...groupIntervals.filter((ms) => ms <= 600_000), 600_000) + 20_000;
  return { trigger, ...(probes ? { probes } : {}), windowEndMs };
}

/** Posts the route probes to Alertmanager, firing for `holdMs`. */
async function postProbes(
  o: AlertChecksOptions,
  { probes, token, holdMs }: { probes: readonly AlertUnderTest[]; token: string; holdMs: number },
): Promise<{ atMs: number; endAtMs: number }> {
  const nowMs = o.clock.nowMs();
  await o.alertmanager.postAlerts(
    probes.map((p) => ({
      labels: p.labels,
      // The token in the text: a chat template that shows only the summary still names the run.
      annotations: {
        summary: `obsconf route probe ${p.alert} (${token})`,
        description: `exercises the contract's route for ${JSON.stringify(p.labels)}`,
      },
      startsAt: new Date(nowMs).toISOString(),
      endsAt: new Date(nowMs + holdMs).toISOString(),
    })),
  );
  return { atMs: o.clock.nowMs(), endAtMs: nowMs + holdMs };
}

/** Each exercised alert's notifications of this run, routed against the receivers its route tree gives it. */
function deliveriesOf(notifications: readonly Notification[], run: AlertRun): Map<string, RoutedDelivery> {
  const { trigger, windowEndMs } = run.window;
  const mine = trigger ? notifications.filter((n) => JSON.stringify(n.raw).includes(trigger.token)) : [];
  const out = new Map<string, RoutedDelivery>();
  for (const alert of new Set(run.setup.plan.exercises.map((e) => e.alert))) {
    const times = timesOf(alert, run);
    if (!times) continue;
    out.set(
      alert.alert,
      routedDelivery({ alertName: alert.alert, labels: alert.labels, expected: alert.expected, ...times, windowEndMs, mine, all: notifications }),
    );
  }
  return out;
}

/** When an alert's condition was true and false, and the rule's timing; undefined when it was not made to fire. */
function timesOf(alert: AlertUnderTest, { setup, fired, window }: AlertRun) {
  const { trigger, probes } = window;
  if (!trigger) return undefined;
  if (alert.kind === "probe")
    return probes === undefined ? undefined : { conditionTrueAtMs: probes.atMs, forMs: 0, evaluationIntervalMs: 0, conditionFalseAtMs: probes.endAtMs };
  const rule = setup.running.get(alert.alert);
  if (!rule || !fired.includes(alert.alert)) return undefined;
  return { conditionTrueAtMs: trigger.trueAtMs, forMs: rule.forMs, evaluationIntervalMs: rule.intervalMs, conditionFalseAtMs: trigger.falseAtMs };
}

/** Waits (until the window's end at most) for every expected notification and, where sent, its resolve. */
async function waitUntilSettled(o: AlertChecksOptions, run: AlertRun): Promise<void> {
  const settled = () =>
    [...deliveriesOf(o.notifications(), run).values()].every((d) =>
      d.integrations.every(
        (i) => (i.firstAtMs !== undefined || i.notDue !== undefined) && !(i.sendResolved && i.firstAtMs !== undefined && i.resolvedAtMs === undefined),
      ),
    );
  await pollUntil(
    "every expected notification and resolve",
    async () => settled(),
    (done) => done,
    {
      timeoutMs: Math.max(0, run.window.windowEndMs - o.clock.nowMs()),
      intervalMs: 500,
      clock: o.clock,
      ...(o.signal ? { signal: o.signal } : {}),
    },
  ).catch(() => undefined);
}

/** The routes of one channel as exercised: the alert, what it delivered, why it did not fire, how it was made to. */
function exercisedRoutes(
  o: AlertChecksOptions,
  { run, delivered, channel }: { run: AlertRun; delivered: ReadonlyMap<string, RoutedDelivery>; channel: AlertChannel },
): ExercisedRoute[] {
  const { setup } = run;
  return setup.plan.exercises
    .filter((e) => e.route.channel === channel)
    .map((exercise) => {
      const notFired =
        exercise.alert.kind === "rule" && !setup.running.has(exercise.alert.alert)
          ? notLoaded(exercise.alert.alert, setup.manifestRules, setup.loadedSummary)
          : undefined;
      const delivery = delivered.get(exercise.alert.alert);
      return { exercise, ...(delivery ? { delivery } : {}), ...(notFired ? { notFired } : {}), how: howFired(o, exercise.alert, run) };
    });
}

/** How an alert was made to fire, for the report: the probe, or the trigger series and the rule's timing. */
function howFired(o: AlertChecksOptions, alert: AlertUnderTest, { setup, window }: AlertRun): string[] {
  const { trigger, probes } = window;
  if (!trigger) return [];
  if (alert.kind === "probe")
    return [
      `probe posted to Alertmanager's /api/v2/alerts at ${new Date(probes?.atMs ?? 0).toISOString()} (no triggerable rule carries the route's labels; Prometheus is not in this path), ends with the trigger`,
    ];
  const from = o.shortenedFrom?.get(alert.alert);
  const rule = setup.running.get(alert.alert);
  return [
    `trigger series: ${trigger.series.join(", ")}`,
    `condition true at ${new Date(trigger.trueAtMs).toISOString()} (acknowledged write), false again at ${new Date(trigger.falseAtMs).toISOString()}; rule evaluation every ${(rule?.intervalMs ?? 0) / 1000}s`,
    ...(from !== undefined && rule
      ? [
          `profile ${o.profile.name}: the rule's for was shortened from ${from / 1000}s to ${rule.forMs / 1000}s in a copy of the rule file (the manifest is unchanged)`,
        ]
      : []),
  ];
}

/** The dead man's switch check: the Watchdog against the receivers the contract's routes name. */
function deadmanCheck({
  setup,
  startedAtMs,
  endedAtMs,
  target,
  notifications,
  watchdogActiveAtMs,
}: {
  setup: AlertSetup;
  startedAtMs: number;
  endedAtMs: number;
  target: ContractTarget;
  notifications: readonly Notification[];
  watchdogActiveAtMs: number | undefined;
}): CheckResult {
  const { plan, watchdog, running } = setup;
  const contractReceivers = [...new Set(plan.exercises.flatMap((e) => e.alert.expected.filter((i) => i.channel === e.route.channel).map((i) => i.receiver)))];
  return deadmansSwitchCheck({
    identity: identityOf("alerts.deadmans-switch", startedAtMs),
    target,
    watchdog,
    alertName: WATCHDOG_ALERT,
    contractReceivers,
    notifications,
    endedAtMs,
    ...(watchdog && !running.has(WATCHDOG_ALERT) ? { notLoaded: notLoaded(WATCHDOG_ALERT, setup.manifestRules, setup.loadedSummary) } : {}),
    ...(watchdogActiveAtMs !== undefined ? { activeAtMs: watchdogActiveAtMs } : {}),
  });
}

interface RunningRule {
  forMs: number;
  intervalMs: number;
  query: string;
}

/** Reads what the checks compare with: the manifests' routes and rules, and what the running Prometheus loaded. */
async function prepare(o: AlertChecksOptions) {
  const am = alertmanagerManifest(o.manifests);
  const prom = prometheusRulesManifest(o.manifests);
  if (!am || !prom) throw new Error(`the manifests have no ${am ? "prometheus" : "alertmanager"} workload`);
  await pollUntil(
    "Prometheus with an active Alertmanager",
    async () => (await o.prometheus.alertmanagers()).data,
    (list) => list.length > 0,
    { timeoutMs: 30_000, intervalMs: 250, clock: o.clock, ...(o.signal ? { signal: o.signal } : {}) },
  );
  const groups: RuleGroup[] = (await o.prometheus.rules()).data;
  const runningRouting = parseAlertmanagerConfig((await o.alertmanager.status()).data.config.original).route;
  const running = new Map<string, RunningRule>();
  for (const g of groups)
    for (const r of g.rules)
      if (r.type === "alerting" && !running.has(r.name)) running.set(r.name, { forMs: r.forMs ?? 0, intervalMs: g.intervalMs, query: r.query });
  const ruleOf = (name: string) => prom.rules.find((r) => r.name === name);
  const series = triggerSeries(o.runId);
  const candidates = TRIGGERED_ALERTS.flatMap((t) => {
    const rule = ruleOf(t.alert);
    return rule
      ? [{ alert: t.alert, labels: alertLabels({ alert: t.alert, series: series[t.series], ruleLabels: rule.labels, externalLabels: prom.externalLabels }) }]
      : [];
  });
  const plan: ExercisePlan = planRouteExercises({
    config: am.config,
    routes: requiredRoutes(o.contract),
    candidates,
    extraProbeLabels: { ...prom.externalLabels, obsconf_run: o.runId, service: series.token, namespace: "obsconf-probe" },
  });
  const watchdogRule = ruleOf(WATCHDOG_ALERT);
  const watchdog = watchdogRule
    ? underTest(am.config, WATCHDOG_ALERT, "rule", alertLabels({ alert: WATCHDOG_ALERT, ruleLabels: watchdogRule.labels, externalLabels: prom.externalLabels }))
    : undefined;
  const files = [...new Set(groups.map((g) => g.file))];
  const loadedSummary = `/api/v1/rules lists ${running.size} alerting rules${files.length ? ` from ${files.join(", ")}` : ""}`;
  return {
    token: series.token,
    plan,
    running,
    watchdog,
    manifestRules: prom.rules,
    loadedSummary,
    groupWaits: routeTimings(runningRouting, "group_wait", 30_000),
    groupIntervals: routeTimings(runningRouting, "group_interval", 300_000),
  };
}

/** `the running Prometheus has no alerting rule HighErrorRate (stack/manifests/... key seed.rules.yml, group seed-application); /api/v1/rules lists ...`. */
function notLoaded(name: string, manifestRules: readonly ManifestAlertRule[], loadedSummary: string): string {
  const rule = manifestRules.find((r) => r.name === name);
  return `the running Prometheus has no alerting rule ${name}${rule ? ` (written in ${rule.source}, group ${rule.group})` : ""}; ${loadedSummary}`;
}

/** Every route's value of a timing setting (inherited from its parent, else Alertmanager's default). */
function routeTimings(route: AlertmanagerRoute, key: "group_wait" | "group_interval", defaultMs: number, inheritedMs = defaultMs): number[] {
  const own = route[key] === undefined ? inheritedMs : (parseDurationMs(route[key]!) ?? inheritedMs);
  return [own, ...(route.routes ?? []).flatMap((child) => routeTimings(child, key, defaultMs, own))];
}
