/** The header the Alertmanager overrides add to emails so each names its receiver. */
export const RECEIVER_HEADER = "x-obsconf-receiver";

/** The channels the seed's Alertmanager routes to (Components / 5. Alerting). */
export type AlertChannel = "pagerduty" | "slack" | "webhook" | "email";

/** One notification as a receiver got it: the unit alert-delivery checks compare. */
export interface Notification {
  channel: AlertChannel;
  /** Wall-clock ms when the sink had the whole request or message. */
  receivedAtMs: number;
  /** The Alertmanager receiver name, when the channel's URL or headers carry it. */
  receiver?: string;
  status: "firing" | "resolved";
  alertNames: string[];
  /** Alertmanager's group key (webhook) or the PagerDuty dedup key, the identity duplicates share. */
  groupKey?: string;
  dedupKey?: string;
  /** The parsed body as received (JSON for HTTP channels, an EmailReceipt for SMTP). */
  raw: unknown;
}

/** What a wait looks for; every given field must match. */
export interface NotificationMatch {
  channel?: AlertChannel;
  status?: Notification["status"];
  receiver?: string;
  alertName?: string;
}

export function matches(n: Notification, match: NotificationMatch): boolean {
  return (
    (match.channel === undefined || n.channel === match.channel) &&
    (match.status === undefined || n.status === match.status) &&
    (match.receiver === undefined || n.receiver === match.receiver) &&
    (match.alertName === undefined || n.alertNames.includes(match.alertName))
  );
}

/** `channel=pagerduty alertName=HighErrorRate status=firing`. */
export function describeMatch(match: NotificationMatch): string {
  const parts = Object.entries(match)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? "anything" : parts.join(" ");
}

/** `pagerduty firing [HighErrorRate] (receiver pagerduty-critical)`. */
export function describeNotification(n: Notification): string {
  return `${n.channel} ${n.status} [${n.alertNames.join(", ")}]${n.receiver === undefined ? "" : ` (receiver ${n.receiver})`}`;
}

/** `2 notifications: slack firing [A], webhook firing [B]`; the last five are shown. */
export function describeNotifications(list: readonly Notification[]): string {
  if (list.length === 0) return "0 notifications";
  const shown = list.slice(-5).map(describeNotification).join(", ");
  return `${list.length} notification${list.length === 1 ? "" : "s"}: ${list.length > 5 ? "…, " : ""}${shown}`;
}
