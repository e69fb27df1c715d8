import type { AlertChannel, Notification } from "./alert-sink/notification.ts";

/** Where the contract's routes say an alert must (and must not) arrive. */
export interface ExpectedRoute {
  channel: AlertChannel;
  /** The Alertmanager receiver name, when the channel carries it. */
  receiver?: string;
  /** Channels this alert must never reach (e.g. a critical alert on Slack). */
  mustNotReach?: AlertChannel[];
}

export interface AlertDeliveryInput {
  alertName: string;
  route: ExpectedRoute;
  /** When the synthetic trigger made the rule's condition true (known to the harness). */
  conditionTrueAtMs: number;
  /** The rule's `for`. */
  forMs: number;
  /** Prometheus' rule evaluation interval: the condition is seen up to this late. */
  evaluationIntervalMs: number;
  /** When the trigger made the condition false again; a resolve notification is then expected. */
  conditionFalseAtMs?: number;
  /** Receipts after this are outside the measurement window and ignored. */
  windowEndMs?: number;
  notifications: readonly Notification[];
}

export interface AlertDelivery {
  alertName: string;
  /** First firing receipt on the expected route, if any. */
  deliveredAtMs?: number;
  /** receivedAt - (conditionTrue + for): what the < 30 s target is about. */
  deliveryLatencyMs?: number;
  pipelineMs: {
    /** The rule's `for`, spent before Alertmanager may know. */
    forMs: number;
    /** Upper bound of the evaluation wait, contained in deliveryLatencyMs. */
    evaluationIntervalMs: number;
    /** receivedAt - conditionTrue (for + delivery). */
    totalMs?: number;
  };
  /** Arrived on the expected route and on no forbidden channel. */
  receiverOk: boolean;
  /** `channel/receiver` of firing receipts on forbidden channels or another receiver of the expected channel. */
  wrongReceivers: string[];
  /** Firing receipts on the expected route beyond one per group (group key, dedup key, or receiver). */
  duplicates: number;
  duplicateKeys: Record<string, number>;
  resolvedAtMs?: number;
  /** A resolve was expected (conditionFalseAtMs given) and none arrived in the window. */
  resolveMissing: boolean;
}

/** Pure: classifies what the sinks received for one synthetic alert. No I/O, no clock. */
export function alertDelivery(input: AlertDeliveryInput): AlertDelivery {
  const { alertName, route, conditionTrueAtMs, forMs } = input;
  const inWindow = input.notifications.filter(
    (n) => n.alertNames.includes(alertName) && n.receivedAtMs >= conditionTrueAtMs && (input.windowEndMs === undefined || n.receivedAtMs <= input.windowEndMs),
  );
  const onRoute = (n: Notification) => n.channel === route.channel && (route.receiver === undefined || n.receiver === route.receiver);
  const firing = byTime(inWindow.filter((n) => n.status === "firing" && onRoute(n)));
  const first = firing[0];
  const misrouted = (n: Notification) =>
    (route.mustNotReach ?? []).includes(n.channel) || (n.channel === route.channel && route.receiver !== undefined && n.receiver !== route.receiver);
  const wrongReceivers = inWindow.filter((n) => n.status === "firing" && misrouted(n)).map((n) => `${n.channel}/${n.receiver ?? "?"}`);

  const duplicateKeys: Record<string, number> = {};
  for (const n of firing) {
    const key = n.groupKey ?? n.dedupKey ?? `${n.channel}/${n.receiver ?? "?"}`;
    duplicateKeys[key] = (duplicateKeys[key] ?? 0) + 1;
  }
  for (const [key, count] of Object.entries(duplicateKeys)) if (count < 2) delete duplicateKeys[key];
  const duplicates = Object.values(duplicateKeys).reduce((sum, count) => sum + count - 1, 0);

  const resolveAfterMs = input.conditionFalseAtMs ?? first?.receivedAtMs ?? conditionTrueAtMs;
  const resolve = byTime(inWindow.filter((n) => n.status === "resolved" && onRoute(n) && n.receivedAtMs >= resolveAfterMs))[0];

  return {
    alertName,
    ...(first ? { deliveredAtMs: first.receivedAtMs, deliveryLatencyMs: first.receivedAtMs - (conditionTrueAtMs + forMs) } : {}),
    pipelineMs: {
      forMs,
      evaluationIntervalMs: input.evaluationIntervalMs,
      ...(first ? { totalMs: first.receivedAtMs - conditionTrueAtMs } : {}),
    },
    receiverOk: first !== undefined && wrongReceivers.length === 0,
    wrongReceivers,
    duplicates,
    duplicateKeys,
    ...(resolve ? { resolvedAtMs: resolve.receivedAtMs } : {}),
    resolveMissing: input.conditionFalseAtMs !== undefined && resolve === undefined,
  };
}

const byTime = (list: Notification[]) => [...list].sort((a, b) => a.receivedAtMs - b.receivedAtMs);
