import type { AlertChannel, Notification } from "./alert-sink/notification.ts";
import { parseAlertTitle } from "./alert-sink/parse-notification.ts";

/**
 * Delivery of one alert to exactly the receivers its route tree gives it: each expected integration
 * (receiver x channel) got a firing notification (unless the route's own timing puts it after the
 * window, which is said), and no other receiver got one. Pure: no I/O, no clock.
 */
export interface ExpectedIntegration {
  receiver: string;
  channel: AlertChannel;
  sendResolved: boolean;
  /** The matched route, with the options it inherits. */
  route: { path: string; groupBy: readonly string[] | "all"; groupWaitMs: number; groupIntervalMs: number; repeatIntervalMs: number };
}

export interface RoutedDeliveryInput {
  alertName: string;
  /** The alert's labels as Alertmanager gets them (rule labels, series labels, external labels). */
  labels: Readonly<Record<string, string>>;
  expected: readonly ExpectedIntegration[];
  /** When the condition became true (known to the harness). */
  conditionTrueAtMs: number;
  /** The rule's `for` (0 for an alert posted straight to Alertmanager). */
  forMs: number;
  evaluationIntervalMs: number;
  /** When the condition became false again (resolves are expected after it). */
  conditionFalseAtMs?: number;
  windowEndMs: number;
  /** Notifications that carry this alert's trigger (its token). */
  mine: readonly Notification[];
  /** Every notification of the run: an earlier flush of a group this alert joins. */
  all: readonly Notification[];
}

export interface IntegrationDelivery extends ExpectedIntegration {
  /** First firing receipt. */
  firstAtMs?: number;
  /** firstAt - (condition true + for). */
  latencyMs?: number;
  resolvedAtMs?: number;
  /** A resolve was expected (send_resolved, condition false in the window) and none came. */
  resolveMissing: boolean;
  /** Firing receipts beyond one per group. */
  duplicates: number;
  /** Why no firing notification was due within the window (the route's own timing), when so. */
  notDue?: string;
  /** Due and never received. */
  missing: boolean;
}

export interface RoutedDelivery {
  alertName: string;
  integrations: IntegrationDelivery[];
  /** Firing receipts of this alert on receivers (or channels) the route tree does not give it. */
  unexpected: Notification[];
}

const key = (receiver: string | undefined, channel: AlertChannel) => `${receiver ?? "?"}/${channel}`;

export function routedDelivery(input: RoutedDeliveryInput): RoutedDelivery {
  const { alertName, conditionTrueAtMs, forMs } = input;
  const firingAtMs = conditionTrueAtMs + forMs;
  const inWindow = input.mine.filter((n) => n.alertNames.includes(alertName) && n.receivedAtMs >= conditionTrueAtMs && n.receivedAtMs <= input.windowEndMs);
  const expectedKeys = new Set(input.expected.map((e) => key(e.receiver, e.channel)));
  const unexpected = byTime(inWindow.filter((n) => n.status === "firing" && !expectedKeys.has(key(n.receiver, n.channel))));
  const integrations = input.expected.map((e): IntegrationDelivery => {
    const on = inWindow.filter((n) => n.receiver === e.receiver && n.channel === e.channel);
    const firing = byTime(on.filter((n) => n.status === "firing"));
    const first = firing[0];
    const perGroup = new Map<string, number>();
    for (const n of firing) perGroup.set(n.groupKey ?? n.dedupKey ?? "", (perGroup.get(n.groupKey ?? n.dedupKey ?? "") ?? 0) + 1);
    const duplicates = [...perGroup.values()].reduce((sum, count) => sum + count - 1, 0);
    const resolveAfterMs = input.conditionFalseAtMs ?? first?.receivedAtMs ?? conditionTrueAtMs;
    const resolve = byTime(on.filter((n) => n.status === "resolved" && n.receivedAtMs >= resolveAfterMs))[0];
    const notDue = first ? undefined : whyNotDue(e, input, firingAtMs);
    return {
      ...e,
      ...(first ? { firstAtMs: first.receivedAtMs, latencyMs: first.receivedAtMs - firingAtMs } : {}),
      ...(resolve ? { resolvedAtMs: resolve.receivedAtMs } : {}),
      resolveMissing: e.sendResolved && first !== undefined && input.conditionFalseAtMs !== undefined && resolve === undefined,
      duplicates,
      ...(notDue ? { notDue } : {}),
      missing: first === undefined && notDue === undefined,
    };
  });
  return { alertName, integrations, unexpected };
}

/**
 * No firing notification is due in the window when the alert's group on that route had already been
 * notified before the alert joined it (a summary route grouping by severity) and the next flush,
 * group_interval later, falls after the window; or when group_wait alone reaches past it.
 */
function whyNotDue(e: ExpectedIntegration, input: RoutedDeliveryInput, firingAtMs: number): string | undefined {
  const ours = groupValues(e.route.groupBy, input.labels);
  const earlier = byTime(
    input.all.filter((n) => n.receiver === e.receiver && n.channel === e.channel && n.receivedAtMs < firingAtMs && !input.mine.includes(n)),
  )
    .filter((n) => sameList(notificationGroupValues(n), ours))
    .at(-1);
  if (earlier) {
    const periods = Math.max(1, Math.ceil((firingAtMs - earlier.receivedAtMs) / e.route.groupIntervalMs));
    const nextFlushMs = earlier.receivedAtMs + periods * e.route.groupIntervalMs;
    if (nextFlushMs > input.windowEndMs) {
      return `its group {${ours.join(" ")}} on ${e.route.path} was already notified at ${new Date(earlier.receivedAtMs).toISOString()} ([${earlier.alertNames.join(", ")}]); the alert joins the next flush, group_interval ${e.route.groupIntervalMs / 1000}s later, after the window`;
    }
  }
  const firstFlushMs = firingAtMs + input.evaluationIntervalMs + e.route.groupWaitMs;
  if (firstFlushMs > input.windowEndMs) return `group_wait ${e.route.groupWaitMs / 1000}s on ${e.route.path} ends after the window`;
  return undefined;
}

/** The values of the labels a route groups by, in label-name order (as `.GroupLabels.SortedPairs.Values`). */
export function groupValues(groupBy: readonly string[] | "all", labels: Readonly<Record<string, string>>): string[] {
  const names = (groupBy === "all" ? Object.keys(labels) : groupBy.filter((n) => labels[n] !== undefined)).sort();
  return names.map((n) => labels[n]!);
}

/**
 * The group label values a notification shows: the webhook's `groupLabels`, else the default subject
 * (`[FIRING:1] <values> (...)`) of an email or a PagerDuty summary; undefined when it shows none.
 */
export function notificationGroupValues(n: Notification): string[] | undefined {
  const raw = n.raw as { groupLabels?: Record<string, string>; subject?: string; payload?: { summary?: string } } | undefined;
  if (raw?.groupLabels && typeof raw.groupLabels === "object")
    return Object.keys(raw.groupLabels)
      .sort()
      .map((k) => String(raw.groupLabels![k]));
  const title = n.channel === "email" ? raw?.subject : n.channel === "pagerduty" ? raw?.payload?.summary : undefined;
  return title === undefined ? undefined : parseAlertTitle(title)?.groupValues;
}

const sameList = (a: readonly string[] | undefined, b: readonly string[]) => a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
const byTime = (list: readonly Notification[]) => [...list].sort((a, b) => a.receivedAtMs - b.receivedAtMs);
