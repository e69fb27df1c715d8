import { describe, expect, it } from "vitest";
import { alertDelivery } from "./alert-delivery.ts";
import { groupValues, notificationGroupValues, routedDelivery, type ExpectedIntegration, type RoutedDeliveryInput } from "./alert-delivery-routes.ts";
import type { Notification } from "./alert-sink/notification.ts";

const T0 = 1_700_000_000_000;
const FOR = 15_000;
const route = (path: string, over: Partial<ExpectedIntegration["route"]> = {}): ExpectedIntegration["route"] => ({
  path,
  groupBy: ["alertname", "namespace", "service"],
  groupWaitMs: 10_000,
  groupIntervalMs: 60_000,
  repeatIntervalMs: 14_400_000,
  ...over,
});
// HighErrorRate as the shipped route tree gives it: the email summary (continue) and PagerDuty.
const EXPECTED: ExpectedIntegration[] = [
  {
    receiver: "email-summary",
    channel: "email",
    sendResolved: false,
    route: route("route.routes[1]", { groupBy: ["severity"], groupWaitMs: 60_000, groupIntervalMs: 86_400_000 }),
  },
  { receiver: "pagerduty", channel: "pagerduty", sendResolved: true, route: route("route.routes[3]") },
];
const LABELS = {
  alertname: "HighErrorRate",
  severity: "critical",
  pillar: "metrics",
  namespace: "ecomm-prod",
  service: "obsconf-trigger-r1",
  cluster: "obsconf",
};

const n = (over: Partial<Notification> & Pick<Notification, "receivedAtMs" | "channel" | "receiver">): Notification => ({
  status: "firing",
  alertNames: ["HighErrorRate"],
  raw: { token: "obsconf-trigger-r1" },
  ...over,
});
const input = (mine: Notification[], over: Partial<RoutedDeliveryInput> = {}): RoutedDeliveryInput => ({
  alertName: "HighErrorRate",
  labels: LABELS,
  expected: EXPECTED,
  conditionTrueAtMs: T0,
  forMs: FOR,
  evaluationIntervalMs: 15_000,
  conditionFalseAtMs: T0 + 100_000,
  windowEndMs: T0 + 200_000,
  mine,
  all: mine,
  ...over,
});
const onTime = [
  n({ channel: "pagerduty", receiver: "pagerduty", receivedAtMs: T0 + FOR + 12_000, dedupKey: "dk" }),
  n({ channel: "email", receiver: "email-summary", receivedAtMs: T0 + FOR + 66_000 }),
  n({ channel: "pagerduty", receiver: "pagerduty", status: "resolved", receivedAtMs: T0 + 160_000, dedupKey: "dk" }),
];

describe("routedDelivery", () => {
  it("should pass every expected integration with its latency from condition true + for", () => {
    const d = routedDelivery(input(onTime));
    expect(d.unexpected).toEqual([]);
    expect(
      d.integrations.map((i) => ({
        at: `${i.receiver}/${i.channel}`,
        latencyMs: i.latencyMs,
        missing: i.missing,
        resolveMissing: i.resolveMissing,
        duplicates: i.duplicates,
      })),
    ).toEqual([
      { at: "email-summary/email", latencyMs: 66_000, missing: false, resolveMissing: false, duplicates: 0 },
      { at: "pagerduty/pagerduty", latencyMs: 12_000, missing: false, resolveMissing: false, duplicates: 0 },
    ]);
    expect(d.integrations[1]!.resolvedAtMs).toBe(T0 + 160_000);
  });

  it("should flag a receiver the route tree does not give the alert, where 'some receiver got it' passed (negative control)", () => {
    const misrouted = [...onTime, n({ channel: "webhook", receiver: "webhook", receivedAtMs: T0 + FOR + 12_000, groupKey: '{}/{pillar=~"stack|metrics"}' })];
    // The channel-level comparison it replaces: PagerDuty got it, the webhook is not a forbidden channel.
    expect(
      alertDelivery({
        alertName: "HighErrorRate",
        route: { channel: "pagerduty", mustNotReach: ["slack"] },
        conditionTrueAtMs: T0,
        forMs: FOR,
        evaluationIntervalMs: 15_000,
        notifications: misrouted,
      }).receiverOk,
    ).toBe(true);
    const d = routedDelivery(input(misrouted));
    expect(d.unexpected.map((x) => `${x.receiver}/${x.channel}`)).toEqual(["webhook/webhook"]);
  });

  it("should flag another receiver of the same channel, and a missing expected receiver", () => {
    const d = routedDelivery(
      input([
        n({ channel: "pagerduty", receiver: "pagerduty-other", receivedAtMs: T0 + FOR + 12_000 }),
        n({ channel: "email", receiver: "email-summary", receivedAtMs: T0 + FOR + 66_000 }),
      ]),
    );
    expect(d.unexpected.map((x) => x.receiver)).toEqual(["pagerduty-other"]);
    expect(d.integrations.find((i) => i.receiver === "pagerduty")).toMatchObject({ missing: true, resolveMissing: false });
  });

  it("should count duplicates per group and want a resolve only where the receiver sends resolves", () => {
    const d = routedDelivery(
      input([
        n({ channel: "pagerduty", receiver: "pagerduty", receivedAtMs: T0 + FOR + 12_000, dedupKey: "dk" }),
        n({ channel: "pagerduty", receiver: "pagerduty", receivedAtMs: T0 + FOR + 13_000, dedupKey: "dk" }),
        n({ channel: "email", receiver: "email-summary", receivedAtMs: T0 + FOR + 66_000 }),
      ]),
    );
    expect(d.integrations.map((i) => [i.receiver, i.duplicates, i.resolveMissing])).toEqual([
      ["email-summary", 0, false],
      ["pagerduty", 1, true],
    ]);
  });

  it("should not expect the summary when its severity group was notified earlier in the run (next flush group_interval later)", () => {
    const earlier = n({
      channel: "email",
      receiver: "email-summary",
      receivedAtMs: T0 - 30_000,
      alertNames: ["PrometheusRemoteWriteFailing"],
      raw: { subject: "[FIRING:1] critical (PrometheusRemoteWriteFailing obsconf)" },
    });
    const d = routedDelivery(
      input(
        onTime.filter((x) => x.channel !== "email"),
        { all: [earlier, ...onTime] },
      ),
    );
    const email = d.integrations[0]!;
    expect(email.missing).toBe(false);
    expect(email.notDue).toBe(
      `its group {critical} on route.routes[1] was already notified at ${new Date(T0 - 30_000).toISOString()} ([PrometheusRemoteWriteFailing]); the alert joins the next flush, group_interval 86400s later, after the window`,
    );
  });

  it("should still expect the summary when the earlier email was another severity's group", () => {
    const earlier = n({
      channel: "email",
      receiver: "email-summary",
      receivedAtMs: T0 - 30_000,
      alertNames: ["TargetDown"],
      raw: { subject: "[FIRING:1] warning (TargetDown obsconf)" },
    });
    const d = routedDelivery(
      input(
        onTime.filter((x) => x.channel !== "email"),
        { all: [earlier, ...onTime] },
      ),
    );
    expect(d.integrations[0]).toMatchObject({ missing: true });
    expect(d.integrations[0]!.notDue).toBeUndefined();
  });

  it("should ignore receipts of other alerts and receipts outside the window", () => {
    const d = routedDelivery(
      input([
        ...onTime,
        n({ channel: "slack", receiver: "slack", receivedAtMs: T0 + FOR + 12_000, alertNames: ["TargetDown"] }),
        n({ channel: "slack", receiver: "slack", receivedAtMs: T0 + 250_000 }),
      ]),
    );
    expect(d.unexpected).toEqual([]);
  });
});

describe("group values", () => {
  it("should order a route's group values by label name, as the default subject does", () => {
    expect(groupValues(["service", "alertname", "missing"], LABELS)).toEqual(["HighErrorRate", "obsconf-trigger-r1"]);
    expect(groupValues("all", { b: "2", a: "1" })).toEqual(["1", "2"]);
  });

  it("should read them from a webhook's groupLabels and an email's subject, and not guess for Slack", () => {
    expect(
      notificationGroupValues(n({ channel: "webhook", receiver: "w", receivedAtMs: 0, raw: { groupLabels: { severity: "critical", alertname: "X" } } })),
    ).toEqual(["X", "critical"]);
    expect(notificationGroupValues(n({ channel: "email", receiver: "e", receivedAtMs: 0, raw: { subject: "[RESOLVED] warning (TargetDown x)" } }))).toEqual([
      "warning",
    ]);
    expect(
      notificationGroupValues(n({ channel: "slack", receiver: "s", receivedAtMs: 0, raw: { attachments: [{ title: "[FIRING:1] TargetDown" }] } })),
    ).toBeUndefined();
  });
});
