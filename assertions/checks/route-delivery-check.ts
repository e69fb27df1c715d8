import type { IntegrationDelivery, RoutedDelivery } from "../alert-delivery-routes.ts";
import type { RouteExercise } from "../alert-delivery-plan.ts";
import { describeNotification, type AlertChannel } from "../alert-sink/notification.ts";
import type { ContractTarget } from "../contract.ts";
import type { CheckResult, Evidence, Target } from "../run-result.ts";
import { base, toTarget, type CheckIdentity } from "./check-builder.ts";

/** One contract route as the run exercised it. */
export interface ExercisedRoute {
  exercise: RouteExercise;
  /** Absent when the alert was not fired (see `notFired`). */
  delivery?: RoutedDelivery;
  /** Why the alert could not be fired, e.g. the running Prometheus has no such rule. */
  notFired?: string;
  /** How the alert was made true (trigger series and times, a shortened `for`, a probe). */
  how: readonly string[];
}

export interface RouteDeliveryCheckInput {
  identity: CheckIdentity;
  channel: AlertChannel;
  /** The contract's routes of this channel, as exercised. */
  routes: readonly ExercisedRoute[];
  /** The alert delivery target (< 30 s after condition true + `for`). */
  target: ContractTarget;
  /**
   * A summary channel (email): the route batches by design (group_wait 1m), so the target is the
   * delivery target on top of the route's own group_wait; the evidence says so.
   */
  summary?: boolean;
  /** `assertions/contract.yaml`, to say where routes are missing from. */
  contractFile: string;
  endedAtMs: number;
}

const where = (i: Pick<IntegrationDelivery, "receiver" | "channel">) => `${i.receiver}/${i.channel}`;

/**
 * Delivery on one channel: each contract route of the channel was exercised by an alert that reached
 * exactly the receivers the manifest's route tree gives it (each one, and no other), the channel's
 * integrations within the target, once per group, resolved when they send resolves.
 */
export function routeDeliveryCheck(input: RouteDeliveryCheckInput): CheckResult {
  const { channel, target } = input;
  const allowedMs = (i: IntegrationDelivery) => target.value + (input.summary ? i.route.groupWaitMs : 0);
  if (input.routes.length === 0) {
    return {
      ...base(input.identity, input.endedAtMs),
      status: "unsupported",
      reason: `${input.contractFile} names no ${channel} route (targets.alertRoutes): nothing to exercise`,
      target: toTarget(target),
      evidence: [],
    };
  }
  const first: string[] = [];
  const rest: string[] = [];
  const evidence: Evidence[] = [];
  const latencies: number[] = [];
  let shownTarget: Target = toTarget(target);
  for (const { exercise, delivery, notFired, how } of input.routes) {
    const { alert } = exercise;
    const at = `route ${exercise.name}`;
    evidence.push({
      kind: "note",
      text: `${at} (${exercise.route.source}) exercised by ${alert.alert} ${alert.kind === "probe" ? "(a probe posted to Alertmanager) " : ""}{${Object.entries(
        alert.labels,
      )
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ")}}`,
    });
    evidence.push({
      kind: "note",
      text: `the manifest's route tree gives ${alert.alert} exactly: ${alert.expected.map((e) => `${where(e)} (${e.route.path}, group_wait ${e.route.groupWaitMs / 1000}s)`).join(", ") || "no receiver the sinks speak"}${alert.unobservable.length ? `; not observable by the sinks: ${alert.unobservable.join(", ")}` : ""}`,
    });
    for (const line of how) evidence.push({ kind: "note", text: line });
    if (!exercise.reachesChannel)
      first.push(`${at}: the route tree gives ${alert.alert} no ${channel} receiver (it gives ${alert.expected.map(where).join(", ") || "none"})`);
    if (notFired !== undefined || delivery === undefined) {
      first.push(`${at}: ${notFired ?? `${alert.alert} was not fired`}`);
      continue;
    }
    const onChannel = delivery.integrations.filter((i) => i.channel === channel);
    if (input.summary && onChannel[0]) {
      const gw = onChannel[0].route.groupWaitMs;
      shownTarget = {
        comparator: target.comparator,
        value: target.value + gw,
        unit: target.unit,
        source: `${target.source} + group_wait ${gw / 1000}s of ${onChannel[0].route.path} (summary route)`,
      };
      evidence.push({
        kind: "note",
        text: `target: a summary batches by design (group_wait ${gw / 1000}s of ${onChannel[0].route.path}, the seed's "Email for summary reports"); the seed's < ${target.value / 1000} s alert delivery target applies on top of that wait: < ${(target.value + gw) / 1000} s after condition true + for`,
      });
    }
    for (const i of delivery.integrations) {
      const mine = i.channel === channel;
      const list = mine ? first : rest;
      if (i.firstAtMs !== undefined) {
        evidence.push({
          kind: "notification",
          atMs: i.firstAtMs,
          text: `${where(i)} firing ${Math.round(i.latencyMs!)} ms after condition true + for${i.resolvedAtMs !== undefined ? `; resolved at ${new Date(i.resolvedAtMs).toISOString()}` : ""}`,
        });
        if (mine) {
          latencies.push(i.latencyMs!);
          if (!(i.latencyMs! < allowedMs(i)))
            list.push(`${alert.alert} reached ${where(i)} ${Math.round(i.latencyMs!)}ms after condition true + for, target < ${allowedMs(i)}ms`);
        }
      }
      if (i.missing)
        list.push(`no firing notification of ${alert.alert} reached the ${i.receiver} receiver within the window (${at}, ${i.channel} via ${i.route.path})`);
      if (i.notDue) evidence.push({ kind: "note", text: `${where(i)}: no notification due in the window: ${i.notDue}` });
      if (i.duplicates > 0) rest.push(`${alert.alert}: ${i.duplicates} duplicate notification(s) on ${where(i)}`);
      if (i.resolveMissing) rest.push(`${alert.alert}: no resolve notification on ${where(i)} after the condition became false`);
    }
    for (const n of delivery.unexpected) {
      evidence.push({ kind: "notification", atMs: n.receivedAtMs, text: `NOT in the route tree's set: ${describeNotification(n)}` });
    }
    const wrong = [...new Set(delivery.unexpected.map((n) => `${n.receiver ?? "?"}/${n.channel}`))];
    if (wrong.length)
      first.push(`${alert.alert} also reached ${wrong.join(", ")}, which the route tree does not give it (exactly ${alert.expected.map(where).join(", ")})`);
  }
  const problems = [...new Set([...first, ...rest])];
  const ok = problems.length === 0;
  for (const p of problems) evidence.push({ kind: "note", text: p });
  const worst = latencies.length ? Math.round(Math.max(...latencies)) : undefined;
  return {
    ...base(input.identity, input.endedAtMs),
    status: ok ? "pass" : "fail",
    ...(ok ? {} : { reason: problems.join("; ") }),
    target: shownTarget,
    measured: {
      ...(worst !== undefined ? { value: worst } : {}),
      unit: "ms",
      note: `${input.routes.map((r) => `${r.exercise.name} by ${r.exercise.alert.alert}`).join(", ")}; ${channel} receipt - (condition true + for), worst of ${latencies.length}${input.summary ? "; the summary route's group_wait is part of it by design" : ""}`,
    },
    evidence,
  };
}
