import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { alertLabels, describeRoute, planRouteExercises } from "./alert-delivery-plan.ts";
import { parseAlertmanagerConfig } from "./checks/alertmanager-routing.ts";
import type { RequiredRoute } from "./contract.ts";

const CONFIG = parseAlertmanagerConfig(
  stringify({
    route: {
      receiver: "slack",
      group_wait: "10s",
      routes: [
        { receiver: "email-summary", matchers: ['severity=~"warning|critical"'], group_by: ["severity"], group_wait: "1m", continue: true },
        { receiver: "webhook", matchers: ['pillar="stack"'], continue: true },
        { receiver: "pagerduty", matchers: ['severity="critical"'] },
      ],
    },
    receivers: [
      { name: "slack", slack_configs: [{ api_url: "http://s", send_resolved: true }] },
      { name: "email-summary", email_configs: [{ to: "a@b" }] },
      { name: "webhook", webhook_configs: [{ url: "http://w" }] },
      { name: "pagerduty", pagerduty_configs: [{ routing_key: "k" }] },
    ],
  }),
);
const routeOf = (match: Record<string, string>, channel: RequiredRoute["channel"], i: number): RequiredRoute => ({
  match,
  channel,
  seedRow: "row",
  source: `contract.yaml#targets.alertRoutes[${i}]`,
});
const CANDIDATES = [
  {
    alert: "HighErrorRate",
    labels: alertLabels({
      alert: "HighErrorRate",
      series: { __name__: "http_requests_total", service: "t", status: "500" },
      ruleLabels: { severity: "critical", pillar: "metrics" },
      externalLabels: { cluster: "c" },
    }),
  },
  {
    alert: "TargetDown",
    labels: alertLabels({ alert: "TargetDown", series: { __name__: "up", instance: "t" }, ruleLabels: { severity: "warning", pillar: "stack" } }),
  },
];

describe("alertLabels", () => {
  it("should drop __name__, let rule labels win over series labels, and add external labels only where unset", () => {
    expect(
      alertLabels({
        alert: "A",
        series: { __name__: "up", severity: "x", cluster: "own" },
        ruleLabels: { severity: "critical" },
        externalLabels: { cluster: "ext", region: "eu" },
      }),
    ).toEqual({ severity: "critical", cluster: "own", alertname: "A", region: "eu" });
  });
});

describe("planRouteExercises", () => {
  it("should exercise each route with the first triggerable alert carrying its labels, with exact receivers", () => {
    const plan = planRouteExercises({
      config: CONFIG,
      routes: [routeOf({ severity: "critical" }, "pagerduty", 0), routeOf({ pillar: "stack", severity: "warning" }, "webhook", 1)],
      candidates: CANDIDATES,
    });
    expect(plan.probes).toEqual([]);
    expect(plan.exercises.map((e) => [e.name, e.alert.alert, e.reachesChannel, e.alert.expected.map((x) => `${x.receiver}/${x.channel}`).join(" ")])).toEqual([
      ["critical->pagerduty", "HighErrorRate", true, "email-summary/email pagerduty/pagerduty"],
      // A continue match is a match: the root's slack is not TargetDown's receiver in this tree.
      ["pillar=stack,severity=warning->webhook", "TargetDown", true, "email-summary/email webhook/webhook"],
    ]);
    expect(plan.exercises[1]!.alert.expected[1]).toEqual({
      receiver: "webhook",
      channel: "webhook",
      sendResolved: true,
      route: { path: "route.routes[1]", groupBy: [], groupWaitMs: 10_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 },
    });
  });

  it("should add one probe per label set no triggerable alert carries, and say when the tree misses the channel", () => {
    const plan = planRouteExercises({
      config: CONFIG,
      routes: [
        routeOf({ severity: "info" }, "webhook", 0),
        routeOf({ severity: "critical", team: "payments" }, "pagerduty", 1),
        routeOf({ severity: "info" }, "email", 2),
      ],
      candidates: CANDIDATES,
      extraProbeLabels: { obsconf_run: "r1" },
    });
    expect(plan.probes.map((p) => [p.alert, p.labels])).toEqual([
      ["ObsconfRouteProbe1", { obsconf_run: "r1", severity: "info", alertname: "ObsconfRouteProbe1" }],
      ["ObsconfRouteProbe2", { obsconf_run: "r1", severity: "critical", team: "payments", alertname: "ObsconfRouteProbe2" }],
    ]);
    expect(plan.exercises.map((e) => [e.name, e.alert.alert, e.reachesChannel])).toEqual([
      ["info->webhook", "ObsconfRouteProbe1", false],
      ["severity=critical,team=payments->pagerduty", "ObsconfRouteProbe2", true],
      ["info->email", "ObsconfRouteProbe1", false],
    ]);
  });

  it("should describe a match-all route by its channel", () => {
    expect(describeRoute({ match: {}, channel: "email" })).toBe("email");
  });
});
