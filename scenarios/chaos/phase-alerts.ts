import type { Clock } from "../../common/clock.ts";
import type { Logger } from "../../common/log.ts";
import { alertDelivery } from "../../assertions/alert-delivery.ts";
import type { Notification } from "../../assertions/alert-sink/notification.ts";
import { alertDeliveryCheck } from "../../assertions/checks/alert-delivery-check.ts";
import { errored, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import type { Contract, ContractTarget, Profile } from "../../assertions/contract.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { Fault } from "../../chaos/index.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { StartedStack } from "../../stack/started-stack.ts";
import { triggerAlerts, type AlertTrigger } from "../checks/alert-trigger.ts";
import {
  alertUnderFaultCheck,
  firstFailedScrapeAtMs,
  scrapedTargetsOf,
  TARGET_DOWN,
  targetDownFor,
  waitUntil,
  type ScrapedTarget,
} from "./alerts-under-fault.ts";
import type { PhaseHooks } from "./fault-phase.ts";

/** Timings read from the running Prometheus and Alertmanager. */
export interface AlertTiming {
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  evaluationIntervalMs: number;
  targetDownForMs: number;
  groupWaitMs: number;
  highErrorRateWindowMs: number;
  deliveryTarget: ContractTarget;
  shortenedFor?: { fromMs: number; toMs: number; profile: string };
}

export interface AlertPhaseOptions {
  fault: Fault;
  stack: StartedStack;
  prometheus: PrometheusClient;
  transport: Transport;
  timing: AlertTiming | undefined;
  notifications: () => readonly Notification[];
  runId: string;
  contract: Contract;
  profile: Profile;
  clock: Clock;
  logger: Logger;
  /** Time a fresh alert's delivery right after this (Prometheus restart) fault recovered. */
  timeAfterRestart: boolean;
}

const RESTART_KINDS = new Set(["restart-keep-data", "restart-lose-data"]);
/** Faults that make every scrape of the component fail while in force (the others slow or refuse writes only, or last milliseconds). */
const SCRAPE_BREAKING_KINDS = new Set(["kill", "pause", "partition"]);

/** What one fault phase does on the alert side: its hooks into the phase and the checks it adds after. */
export interface AlertPhase {
  hooks: PhaseHooks;
  checks: () => Promise<CheckResult[]>;
}

/** What the alert side of a phase with read timings works from. */
interface AlertPlan {
  o: AlertPhaseOptions;
  timing: AlertTiming;
  faultDurationMs: number;
  /** Holds the fault for faultDurationMs after injection. */
  holdFor: (injectedAtMs: number) => Promise<void>;
}

/**
 * The alert side of one fault phase: how long to hold the fault and what to check.
 * - A scraped component (not Prometheus itself) under a fault that breaks its scrapes (kill, pause,
 *   partition): TargetDown for its scrape target must reach the
 *   webhook receiver during the fault; the fault is held until it arrives (at least faultDuration,
 *   at most scrape interval + timeout + for + evaluation + group_wait + the delivery target). When
 *   the component is Alertmanager, delivery can only happen after heal and is timed from there.
 * - Prometheus restarted (the first kill/restart of a drill): a fresh TargetDown is triggered
 *   after recovery and its delivery timed: rule state, Alertmanager discovery and the resend
 *   delay all start over after a restart; the check says whether delivery stayed under target.
 * Restart faults are not held: the restart is the fault, heal waits for readiness.
 */
export async function runAlertPhase(o: AlertPhaseOptions): Promise<AlertPhase> {
  const { fault, timing, clock } = o;
  const faultDurationMs = RESTART_KINDS.has(fault.spec.kind) ? 0 : o.profile.chaos.faultDurationMs;
  const holdFor = (at: number) => clock.sleep(Math.max(0, at + faultDurationMs - clock.nowMs()));
  if (!timing) return { hooks: { hold: holdFor }, checks: async () => [] };

  let scraped: ScrapedTarget | undefined;
  if (fault.spec.component !== "prometheus" && SCRAPE_BREAKING_KINDS.has(fault.spec.kind))
    scraped = (await scrapedTargetsOf(o.prometheus, o.stack.endpoints(), fault.spec.component).catch(() => []))[0];
  const plan: AlertPlan = { o, timing, faultDurationMs, holdFor };
  if (scraped) return targetDownUnderFault(plan, scraped);
  if (!o.timeAfterRestart) return { hooks: { hold: holdFor }, checks: async () => [] };
  return targetDownAfterRestart(plan);
}

/** A check's identity in this fault's phase, started now. */
function alertIdentity({ fault, clock }: AlertPhaseOptions, { suffix, title }: { suffix: string; title: string }): CheckIdentity {
  return {
    id: `chaos.${fault.name}.${suffix}`,
    title: `${title} (${fault.name})`,
    pillar: "alerts",
    startedAtMs: clock.nowMs(),
  };
}

/** Whether a firing TargetDown for `instance` reached the webhook at or after `sinceMs`. */
function arrived(o: AlertPhaseOptions, { instance, sinceMs }: { instance: string; sinceMs: number }): () => boolean {
  return () => targetDownFor(o.notifications(), instance).some((n) => n.status === "firing" && n.receivedAtMs >= sinceMs);
}

/** TargetDown for the faulted component's scrape target must reach the webhook during the fault (after heal for Alertmanager). */
function targetDownUnderFault({ o, timing, faultDurationMs, holdFor }: AlertPlan, target: ScrapedTarget): AlertPhase {
  const { fault, clock } = o;
  const at = { injectedAtMs: 0, healedAtMs: 0 };
  const boundMs =
    timing.scrapeIntervalMs +
    timing.scrapeTimeoutMs +
    timing.targetDownForMs +
    timing.evaluationIntervalMs +
    timing.groupWaitMs +
    timing.deliveryTarget.value +
    5_000;
  const onAlertmanager = fault.spec.component === "alertmanager";
  o.logger.info(`  ${fault.name}: expecting ${TARGET_DOWN} for ${target.job}/${target.instance} at the webhook (bound ${boundMs}ms)`);
  return {
    hooks: {
      hold: async (injectedAtMs) => {
        at.injectedAtMs = injectedAtMs;
        if (onAlertmanager) return holdFor(injectedAtMs);
        await waitUntil(
          () => clock.nowMs() >= injectedAtMs + faultDurationMs && arrived(o, { instance: target.instance, sinceMs: injectedAtMs })(),
          injectedAtMs + boundMs,
          clock,
        );
      },
      afterRecovery: async ({ injectedAtMs, healedAtMs }) => {
        Object.assign(at, { injectedAtMs, healedAtMs });
        if (onAlertmanager) await waitUntil(arrived(o, { instance: target.instance, sinceMs: injectedAtMs }), healedAtMs + boundMs, clock);
      },
    },
    checks: () => targetDownUnderFaultCheck({ o, timing, target, at, onAlertmanager }),
  };
}

/** Judges the TargetDown notification against when the scrapes first failed under the fault. */
async function targetDownUnderFaultCheck({
  o,
  timing,
  target,
  at,
  onAlertmanager,
}: {
  o: AlertPhaseOptions;
  timing: AlertTiming;
  target: ScrapedTarget;
  at: { injectedAtMs: number; healedAtMs: number };
  onAlertmanager: boolean;
}): Promise<CheckResult[]> {
  const { fault, clock } = o;
  const identity = alertIdentity(o, { suffix: "alert", title: "Stack health alert under the fault: TargetDown -> webhook" });
  try {
    // A scrape in flight when the fault began fails too, stamped with its start: look back one scrape timeout.
    const conditionTrueAtMs = await firstFailedScrapeAtMs(o.prometheus, target.instance, at.injectedAtMs - timing.scrapeTimeoutMs, clock.nowMs());
    return [
      alertUnderFaultCheck({
        identity,
        fault: fault.name,
        target,
        conditionTrueAtMs,
        forMs: timing.targetDownForMs,
        evaluationIntervalMs: timing.evaluationIntervalMs,
        injectedAtMs: at.injectedAtMs,
        healedAtMs: at.healedAtMs,
        notifications: o.notifications(),
        deliveryTarget: timing.deliveryTarget,
        ...(timing.shortenedFor ? { shortenedFor: timing.shortenedFor } : {}),
        endedAtMs: clock.nowMs(),
        ...(onAlertmanager ? { note: "the fault is on Alertmanager itself: no notification can leave it before heal, so delivery is late by the outage" } : {}),
      }),
    ];
  } catch (error) {
    return [errored(identity, error, clock.nowMs(), timing.deliveryTarget)];
  }
}

/** After Prometheus restarted: triggers a fresh TargetDown once recovered and times its delivery. */
function targetDownAfterRestart({ o, timing, holdFor }: AlertPlan): AlertPhase {
  const { fault, clock } = o;
  let trigger: AlertTrigger | undefined;
  let triggerError: unknown;
  return {
    hooks: {
      hold: holdFor,
      afterRecovery: async ({ healedAtMs }) => {
        const holdMs = timing.targetDownForMs + timing.evaluationIntervalMs + timing.groupWaitMs + 5_000;
        const triggerRunId = `${o.runId}-after-restart`;
        o.logger.info(`  ${fault.name}: timing a fresh ${TARGET_DOWN} after the restart (trigger held ${holdMs}ms)`);
        try {
          const pending = triggerAlerts({ transport: o.transport, runId: triggerRunId, windowMs: timing.highErrorRateWindowMs, holdMs, clock });
          trigger = await pending;
          const token = trigger.token;
          await waitUntil(
            arrived(o, { instance: token, sinceMs: healedAtMs }),
            trigger.trueAtMs + timing.targetDownForMs + timing.evaluationIntervalMs + timing.groupWaitMs + timing.deliveryTarget.value,
            clock,
          );
        } catch (error) {
          triggerError = error;
        }
      },
    },
    checks: async () => {
      const identity = alertIdentity(o, { suffix: "alert-after-restart", title: "Alert delivery after the Prometheus restart: TargetDown -> webhook" });
      if (!trigger) return [errored(identity, triggerError ?? new Error("the post-restart alert trigger did not run"), clock.nowMs(), timing.deliveryTarget)];
      return [afterRestartCheck({ o, timing, trigger, identity })];
    },
  };
}

/** Judges the first TargetDown notification after the restart against the delivery target. */
function afterRestartCheck({
  o,
  timing,
  trigger,
  identity,
}: {
  o: AlertPhaseOptions;
  timing: AlertTiming;
  trigger: AlertTrigger;
  identity: CheckIdentity;
}): CheckResult {
  const mine = targetDownFor(o.notifications(), trigger.token);
  const delivery = alertDelivery({
    alertName: TARGET_DOWN,
    route: { channel: "webhook" },
    conditionTrueAtMs: trigger.trueAtMs,
    forMs: timing.targetDownForMs,
    evaluationIntervalMs: timing.evaluationIntervalMs,
    notifications: mine,
  });
  return alertDeliveryCheck({
    identity,
    endedAtMs: o.clock.nowMs(),
    target: timing.deliveryTarget,
    delivery,
    notifications: mine,
    expected: "the webhook receiver (stack alerts)",
    trigger: [
      `after ${o.fault.name} recovered, ${trigger.series.find((s) => s.startsWith("up")) ?? "up == 0"} was written (TargetDown's condition) at ${new Date(trigger.trueAtMs).toISOString()}`,
      "Prometheus restarted: its rule state, Alertmanager discovery and resend timers start over; this times the first notification after the restart",
    ],
    ...(timing.shortenedFor ? { shortenedFor: timing.shortenedFor } : {}),
  });
}
