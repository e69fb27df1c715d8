import { parseDurationMs } from "../../common/duration.ts";
import type { Clock } from "../../common/clock.ts";
import { pollUntil } from "../../common/poll-until.ts";
import { alertDelivery, type ExpectedRoute } from "../../assertions/alert-delivery.ts";
import type { Notification } from "../../assertions/alert-sink/notification.ts";
import { alertDeliveryCheck } from "../../assertions/checks/alert-delivery-check.ts";
import { base, errored, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import { identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { RuleGroup } from "../../stack/clients/prometheus-parse.ts";
import type { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import { parseAlertmanagerConfig, type AlertmanagerRoute } from "../../assertions/checks/config-checks.ts";
import { triggerAlerts, type AlertTrigger } from "./alert-trigger.ts";

/** The alerts a conformance run triggers, and where the contract's routes say each must land. */
export const TRIGGERED_ALERTS = [
  { alert: "HighErrorRate", ruleFile: "seed.rules.yml", check: "alerts.delivery.pagerduty", route: { channel: "pagerduty", mustNotReach: ["slack"] } },
  { alert: "TargetDown", ruleFile: "stack-health.rules.yml", check: "alerts.delivery.slack", route: { channel: "slack", mustNotReach: ["pagerduty"] } },
] as const satisfies readonly { alert: string; ruleFile: string; check: CheckId; route: ExpectedRoute }[];

/** The checks `runAlertChecks` reports. */
export const ALERT_CHECK_IDS = [...TRIGGERED_ALERTS.map((t) => t.check), "alerts.delivery.webhook", "alerts.delivery.email"] as const satisfies readonly CheckId[];

export interface AlertChecksOptions {
  prometheus: PrometheusClient;
  alertmanager: AlertmanagerClient;
  transport: Transport;
  notifications: () => readonly Notification[];
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
 * Alert delivery, end to end through the running Prometheus and Alertmanager: a synthetic trigger
 * makes HighErrorRate (critical -> PagerDuty) and TargetDown (warning -> Slack, and the stack's
 * webhook) true at a known time and false again; the sinks record what arrives. Also checks the
 * Watchdog reaches the dead man's switch webhook and the email summary route delivers.
 */
export async function runAlertChecks(o: AlertChecksOptions): Promise<CheckResult[]> {
  const startedAtMs = o.clock.nowMs();
  const ids = TRIGGERED_ALERTS.map((t) => identityOf(t.check, startedAtMs));
  const extra = [identityOf("alerts.delivery.webhook", startedAtMs), identityOf("alerts.delivery.email", startedAtMs)];
  const target = o.contract.targets["latency.alertDelivery"];
  let rules: RuleGroup[];
  let routing: AlertmanagerRoute;
  try {
    await pollUntil("Prometheus with an active Alertmanager", async () => (await o.prometheus.alertmanagers()).data, (list) => list.length > 0, { timeoutMs: 30_000, intervalMs: 250, clock: o.clock, ...(o.signal ? { signal: o.signal } : {}) });
    rules = (await o.prometheus.rules()).data;
    routing = parseAlertmanagerConfig((await o.alertmanager.status()).data.config.original).route;
  } catch (error) {
    return [...ids, ...extra].map((id) => errored(id, error, o.clock.nowMs(), target));
  }
  const ruleOf = (name: string) => rules.flatMap((g) => g.rules.map((r) => ({ rule: r, intervalMs: g.intervalMs }))).find((r) => r.rule.name === name);
  const found = TRIGGERED_ALERTS.map((t) => ruleOf(t.alert));
  const missing = TRIGGERED_ALERTS.filter((_, i) => !found[i]);
  if (missing.length) return [...ids, ...extra].map((id) => errored(id, new Error(`the running Prometheus has no alerting rule ${missing.map((m) => m.alert).join(", ")}`), o.clock.nowMs(), target));
  const forMs = Math.max(...found.map((f) => f!.rule.forMs ?? 0));
  const evaluationIntervalMs = Math.max(...found.map((f) => f!.intervalMs));
  const windowMs = parseDurationMs(/\[(\w+)\]/.exec(found[0]!.rule.query)?.[1] ?? "5m") ?? 300_000;
  // Hold the conditions until every route has flushed while they fire: a summary route with a long
  // group_wait (and send_resolved: false) would otherwise only ever see them resolved.
  const groupWaits = routeTimings(routing, "group_wait", 30_000);
  const groupIntervals = routeTimings(routing, "group_interval", 300_000);
  const holdMs = forMs + evaluationIntervalMs + Math.max(evaluationIntervalMs, ...groupWaits) + 10_000;
  let trigger: AlertTrigger;
  try {
    trigger = await triggerAlerts({ transport: o.transport, runId: o.runId, windowMs, holdMs, clock: o.clock, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (error) {
    return [...ids, ...extra].map((id) => errored(id, error, o.clock.nowMs(), target));
  }
  const mine = () => o.notifications().filter((n) => JSON.stringify(n.raw).includes(trigger.token));
  const resolved = (channel: string) => mine().some((n) => n.channel === channel && n.status === "resolved");
  // Resolves go out on the group's next flush after the condition is false: within one group_interval
  // of the paging and chat routes (the summary route's day-long interval is not waited for).
  const windowEndMs = trigger.falseAtMs + evaluationIntervalMs + Math.min(...groupIntervals.filter((ms) => ms <= 600_000), 600_000) + 20_000;
  await pollUntil("resolve notifications", async () => TRIGGERED_ALERTS.every((t) => resolved(t.route.channel)) && o.notifications().some((n) => n.channel === "email"), (done) => done, {
    timeoutMs: Math.max(0, windowEndMs - o.clock.nowMs()), intervalMs: 500, clock: o.clock, ...(o.signal ? { signal: o.signal } : {}),
  }).catch(() => undefined);
  const endedAtMs = o.clock.nowMs();
  const received = mine();
  const triggerLines = [
    `trigger series: ${trigger.series.join(", ")}`,
    `condition true at ${new Date(trigger.trueAtMs).toISOString()} (acknowledged write), false again at ${new Date(trigger.falseAtMs).toISOString()}; rule evaluation every ${evaluationIntervalMs / 1000}s`,
  ];
  const checks = TRIGGERED_ALERTS.map((t, i) => {
    const ruleForMs = found[i]!.rule.forMs ?? 0;
    const delivery = alertDelivery({
      alertName: t.alert, route: t.route, conditionTrueAtMs: trigger.trueAtMs, forMs: ruleForMs, evaluationIntervalMs,
      conditionFalseAtMs: trigger.falseAtMs, windowEndMs, notifications: received,
    });
    const from = o.shortenedFrom?.get(t.alert);
    return alertDeliveryCheck({
      identity: ids[i]!, endedAtMs, target, delivery, trigger: triggerLines, notifications: received, expected: `the ${t.route.channel} receiver`,
      ...(from !== undefined ? { shortenedFor: { fromMs: from, toMs: ruleForMs, profile: o.profile.name } } : {}),
    });
  });
  return [...checks, webhookCheck(extra[0]!, o.notifications(), received, endedAtMs), emailCheck(extra[1]!, o.notifications(), received, trigger, forMs, endedAtMs)];
}

/** Every route's value of a timing setting (inherited from its parent, else Alertmanager's default). */
function routeTimings(route: AlertmanagerRoute, key: "group_wait" | "group_interval", defaultMs: number, inheritedMs = defaultMs): number[] {
  const own = route[key] === undefined ? inheritedMs : parseDurationMs(route[key]!) ?? inheritedMs;
  return [own, ...(route.routes ?? []).flatMap((child) => routeTimings(child, key, defaultMs, own))];
}

/** The webhook channel: TargetDown (pillar=stack) reaches the generic webhook, the Watchdog the dead man's switch. */
function webhookCheck(id: CheckIdentity, all: readonly Notification[], mine: readonly Notification[], endedAtMs: number): CheckResult {
  const stack = mine.find((n) => n.channel === "webhook" && n.alertNames.includes("TargetDown") && n.status === "firing");
  const watchdog = all.find((n) => n.channel === "webhook" && n.alertNames.includes("Watchdog"));
  const problems = [...(stack ? [] : ["TargetDown (pillar=stack) never reached a webhook receiver"]), ...(watchdog ? [] : ["the Watchdog never reached the dead man's switch webhook"])];
  return {
    ...base(id, endedAtMs),
    status: problems.length ? "fail" : "pass",
    ...(problems.length ? { reason: problems.join("; ") } : {}),
    measured: { value: [stack, watchdog].filter(Boolean).length, unit: "notifications", note: "Alertmanager webhook JSON (version 4) parsed by the sink" },
    evidence: [stack, watchdog].flatMap((n) => (n ? [{ kind: "notification" as const, atMs: n.receivedAtMs, text: `${n.channel} ${n.status} [${n.alertNames.join(", ")}]${n.receiver ? ` receiver ${n.receiver}` : ""}` }] : [])),
  };
}

/**
 * The email summary route (group_by severity, group_wait 1m, group_interval 24h by design): an email
 * that carries the trigger's alerts passes; an earlier summary of the same severity group means the
 * trigger's alerts wait for the next day's flush, so any summary received during the run shows the
 * SMTP path works and is reported as such. No latency target applies to a summary.
 */
function emailCheck(id: CheckIdentity, all: readonly Notification[], mine: readonly Notification[], trigger: AlertTrigger, forMs: number, endedAtMs: number): CheckResult {
  const emails = all.filter((n) => n.channel === "email");
  const email = mine.find((n) => n.channel === "email") ?? emails[0];
  const carriesTrigger = email !== undefined && mine.includes(email);
  return {
    ...base(id, endedAtMs),
    status: email ? "pass" : "fail",
    ...(email ? {} : { reason: "no email reached the SMTP sink before the run's alert window closed" }),
    measured: {
      ...(email && carriesTrigger ? { value: Math.round(email.receivedAtMs - (trigger.trueAtMs + forMs)) } : {}),
      unit: "ms",
      note: carriesTrigger ? "summary route: the < 30 s target applies to paging and chat; this is reported, not compared" : email ? "a summary email arrived, but not one carrying the trigger's alerts (their severity group was already summarised; the next flush is group_interval later)" : "no email",
    },
    evidence: emails.map((n) => ({ kind: "notification" as const, atMs: n.receivedAtMs, text: `email ${n.status} [${n.alertNames.join(", ")}] subject ${JSON.stringify((n.raw as { subject?: string }).subject ?? "")}${mine.includes(n) ? " (carries the trigger)" : ""}` })),
  };
}
