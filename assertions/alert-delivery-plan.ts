import type { ExpectedIntegration } from "./alert-delivery-routes.ts";
import { matchRoutes, receiverIntegrations, type AlertmanagerConfig } from "./checks/alertmanager-routing.ts";
import type { RequiredRoute } from "./contract.ts";

/**
 * Which alert exercises each route the contract names, and where the manifest's route tree says each
 * alert must land. Pure: the manifest's Alertmanager config and the alerts' labels in, a plan out.
 */
export interface AlertUnderTest {
  /** `alertname`. */
  alert: string;
  /** A rule the synthetic trigger makes true, or a probe posted straight to Alertmanager. */
  kind: "rule" | "probe";
  /** The labels Alertmanager gets: series labels, the rule's labels over them, alertname, then external labels where unset. */
  labels: Readonly<Record<string, string>>;
  /** Every integration the route tree gives it (receiver x channel), in route order. */
  expected: readonly ExpectedIntegration[];
  /** Receivers of its routes with integrations the sinks do not speak (e.g. opsgenie_configs). */
  unobservable: readonly string[];
}

export interface RouteExercise {
  route: RequiredRoute;
  /** `critical->pagerduty`, `pillar=stack,severity=warning->webhook`. */
  name: string;
  alert: AlertUnderTest;
  /** Whether the route tree gives the alert an integration of the route's channel. */
  reachesChannel: boolean;
}

export interface ExercisePlan {
  exercises: RouteExercise[];
  /** Probes to post for routes no triggerable alert exercises. */
  probes: AlertUnderTest[];
}

export const ROUTE_PROBE_PREFIX = "ObsconfRouteProbe";

/** An alert's labels as Prometheus sends them: series labels, rule labels over them, alertname, external labels where unset. */
export function alertLabels({
  alert,
  series = {},
  ruleLabels = {},
  externalLabels = {},
}: {
  alert: string;
  series?: Readonly<Record<string, string>>;
  ruleLabels?: Readonly<Record<string, string>>;
  externalLabels?: Readonly<Record<string, string>>;
}): Record<string, string> {
  const own: Record<string, string> = { ...series, ...ruleLabels, alertname: alert };
  delete own.__name__;
  for (const [k, v] of Object.entries(externalLabels)) if (own[k] === undefined) own[k] = v;
  return own;
}

/** Where the route tree sends an alert with `labels`: one expected integration per receiver and channel. */
export function underTest(config: AlertmanagerConfig, alert: string, kind: AlertUnderTest["kind"], labels: Readonly<Record<string, string>>): AlertUnderTest {
  const expected: ExpectedIntegration[] = [];
  const unobservable: string[] = [];
  for (const route of matchRoutes(config, labels)) {
    const { integrations, others } = receiverIntegrations(config, route.receiver);
    for (const i of integrations) {
      if (expected.some((e) => e.receiver === i.receiver && e.channel === i.channel)) continue;
      expected.push({
        ...i,
        route: {
          path: route.path,
          groupBy: route.groupBy,
          groupWaitMs: route.groupWaitMs,
          groupIntervalMs: route.groupIntervalMs,
          repeatIntervalMs: route.repeatIntervalMs,
        },
      });
    }
    if (others.length > 0 && !unobservable.includes(route.receiver)) unobservable.push(`${route.receiver} (${others.join(", ")})`);
  }
  return { alert, kind, labels, expected, unobservable };
}

/**
 * Each contract route is exercised by the first candidate whose labels include the route's match (a
 * rule the trigger makes true); a route no candidate matches gets a probe with exactly the route's
 * labels (plus `extraProbeLabels`, e.g. the run's token and the external labels).
 */
export function planRouteExercises({
  config,
  routes,
  candidates,
  extraProbeLabels = {},
}: {
  config: AlertmanagerConfig;
  routes: readonly RequiredRoute[];
  candidates: readonly { alert: string; labels: Readonly<Record<string, string>> }[];
  extraProbeLabels?: Readonly<Record<string, string>>;
}): ExercisePlan {
  const probes = new Map<string, AlertUnderTest>();
  const exercises = routes.map((route): RouteExercise => {
    const candidate = candidates.find((c) => Object.entries(route.match).every(([k, v]) => c.labels[k] === v));
    let alert: AlertUnderTest;
    if (candidate) alert = underTest(config, candidate.alert, "rule", candidate.labels);
    else {
      // Routes with the same labels share one probe.
      const key = JSON.stringify(Object.entries(route.match).sort(([a], [b]) => a.localeCompare(b)));
      const name = `${ROUTE_PROBE_PREFIX}${probes.size + 1}`;
      alert = probes.get(key) ?? underTest(config, name, "probe", { ...extraProbeLabels, ...route.match, alertname: name });
      probes.set(key, alert);
    }
    return { route, name: describeRoute(route), alert, reachesChannel: alert.expected.some((e) => e.channel === route.channel) };
  });
  return { exercises, probes: [...probes.values()] };
}

/** `critical->pagerduty`, `pillar=stack,severity=warning->webhook`; a match-all route is just its channel. */
export function describeRoute(route: Pick<RequiredRoute, "match" | "channel">): string {
  const entries = Object.entries(route.match);
  if (entries.length === 0) return route.channel;
  const only = entries.length === 1 && entries[0]![0] === "severity";
  return `${only ? entries[0]![1] : entries.map(([k, v]) => `${k}=${v}`).join(",")}->${route.channel}`;
}
