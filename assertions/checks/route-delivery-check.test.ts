import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { alertLabels, planRouteExercises, type RouteExercise } from "../alert-delivery-plan.ts";
import { routedDelivery } from "../alert-delivery-routes.ts";
import type { Notification } from "../alert-sink/notification.ts";
import { loadContract } from "../contract.ts";
import { parseAlertmanagerConfig } from "./alertmanager-routing.ts";
import { identityOf } from "./check-catalog.ts";
import { routeDeliveryCheck, type ExercisedRoute } from "./route-delivery-check.ts";

const contract = loadContract();
const target = contract.targets["latency.alertDelivery"];
const T0 = 1_700_000_000_000;
const FOR = 15_000;
const CONFIG = parseAlertmanagerConfig(
  stringify({
    route: {
      receiver: "slack",
      group_by: ["alertname"],
      group_wait: "10s",
      group_interval: "1m",
      routes: [
        {
          receiver: "email-summary",
          matchers: ['severity=~"warning|critical"'],
          group_by: ["severity"],
          group_wait: "1m",
          group_interval: "24h",
          continue: true,
        },
        { receiver: "pagerduty", matchers: ['severity="critical"'] },
      ],
    },
    receivers: [
      { name: "slack", slack_configs: [{ api_url: "http://s", send_resolved: true }] },
      { name: "email-summary", email_configs: [{ to: "a@b" }] },
      { name: "pagerduty", pagerduty_configs: [{ routing_key: "k" }] },
    ],
  }),
);
const LABELS = alertLabels({ alert: "HighErrorRate", series: { service: "tok" }, ruleLabels: { severity: "critical" } });
const plan = planRouteExercises({
  config: CONFIG,
  routes: [
    { match: { severity: "critical" }, channel: "pagerduty", seedRow: "r", source: "c#0" },
    { match: { severity: "critical" }, channel: "email", seedRow: "r", source: "c#2" },
  ],
  candidates: [{ alert: "HighErrorRate", labels: LABELS }],
});
const [toPagerduty, toEmail] = plan.exercises as [RouteExercise, RouteExercise];
const n = (over: Partial<Notification> & Pick<Notification, "receivedAtMs" | "channel" | "receiver">): Notification => ({
  status: "firing",
  alertNames: ["HighErrorRate"],
  raw: { tok: 1 },
  ...over,
});
const exercised = (exercise: RouteExercise, mine: Notification[]): ExercisedRoute => ({
  exercise,
  how: ["trigger series: x"],
  delivery: routedDelivery({
    alertName: "HighErrorRate",
    labels: LABELS,
    expected: exercise.alert.expected,
    conditionTrueAtMs: T0,
    forMs: FOR,
    evaluationIntervalMs: 15_000,
    conditionFalseAtMs: T0 + 100_000,
    windowEndMs: T0 + 200_000,
    mine,
    all: mine,
  }),
});
const good = [
  n({ channel: "pagerduty", receiver: "pagerduty", receivedAtMs: T0 + FOR + 12_000, dedupKey: "d" }),
  n({ channel: "pagerduty", receiver: "pagerduty", status: "resolved", receivedAtMs: T0 + 170_000, dedupKey: "d" }),
  n({ channel: "email", receiver: "email-summary", receivedAtMs: T0 + FOR + 70_000 }),
];
const check = (channel: "pagerduty" | "email", routes: ExercisedRoute[], summary = false) =>
  routeDeliveryCheck({
    identity: identityOf(channel === "email" ? "alerts.delivery.email" : "alerts.delivery.pagerduty", T0),
    channel,
    routes,
    target,
    contractFile: contract.file,
    endedAtMs: T0 + 200_000,
    summary,
  });

describe("routeDeliveryCheck", () => {
  it("should pass when the alert reached exactly its receivers, judging the check's channel against the target", () => {
    const result = check("pagerduty", [exercised(toPagerduty, good)]);
    expect(result).toMatchObject({ status: "pass", target: { comparator: "<", value: 30_000 }, measured: { value: 12_000, unit: "ms" } });
    expect(result.evidence.map((e) => e.text)).toContain(
      "the manifest's route tree gives HighErrorRate exactly: email-summary/email (route.routes[0], group_wait 60s), pagerduty/pagerduty (route.routes[1], group_wait 10s)",
    );
  });

  it("should fail naming the receiver the route tree does not give the alert (negative control)", () => {
    const result = check("pagerduty", [exercised(toPagerduty, [...good, n({ channel: "slack", receiver: "slack", receivedAtMs: T0 + FOR + 12_000 })])]);
    expect(result.status).toBe("fail");
    expect(result.reason).toBe(
      "HighErrorRate also reached slack/slack, which the route tree does not give it (exactly email-summary/email, pagerduty/pagerduty)",
    );
  });

  it("should fail, channel first, when the expected receiver got nothing", () => {
    const result = check("pagerduty", [
      exercised(
        toPagerduty,
        good.filter((x) => x.channel !== "pagerduty"),
      ),
    ]);
    expect(result.reason).toBe(
      "no firing notification of HighErrorRate reached the pagerduty receiver within the window (route critical->pagerduty, pagerduty via route.routes[1])",
    );
  });

  it("should fail naming the rule the running Prometheus did not load", () => {
    const result = check("pagerduty", [
      {
        exercise: toPagerduty,
        how: [],
        notFired: "the running Prometheus has no alerting rule HighErrorRate (written in x); /api/v1/rules lists 0 alerting rules",
      },
    ]);
    expect(result).toMatchObject({
      status: "fail",
      reason: "route critical->pagerduty: the running Prometheus has no alerting rule HighErrorRate (written in x); /api/v1/rules lists 0 alerting rules",
    });
  });

  it("should judge the email summary against the target on top of its designed group_wait, and say so", () => {
    const result = check("email", [exercised(toEmail, good)], true);
    expect(result).toMatchObject({
      status: "pass",
      target: { comparator: "<", value: 90_000, unit: "ms", source: `${target.source} + group_wait 60s of route.routes[0] (summary route)` },
      measured: { value: 70_000 },
    });
    expect(result.evidence.some((e) => e.text.startsWith("target: a summary batches by design (group_wait 60s of route.routes[0]"))).toBe(true);
    const late = check(
      "email",
      [
        exercised(
          toEmail,
          good.map((x) => (x.channel === "email" ? { ...x, receivedAtMs: T0 + FOR + 95_000 } : x)),
        ),
      ],
      true,
    );
    expect(late.reason).toBe("HighErrorRate reached email-summary/email 95000ms after condition true + for, target < 90000ms");
  });

  it("should be unsupported when the contract names no route of the channel", () => {
    expect(check("pagerduty", [])).toMatchObject({
      status: "unsupported",
      reason: "assertions/contract.yaml names no pagerduty route (targets.alertRoutes): nothing to exercise",
    });
  });
});
