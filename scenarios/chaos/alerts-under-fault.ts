import type { Clock } from "../../common/clock.ts";
import { alertDelivery } from "../../assertions/alert-delivery.ts";
import type { Notification } from "../../assertions/alert-sink/notification.ts";
import { alertDeliveryCheck } from "../../assertions/checks/alert-delivery-check.ts";
import type { CheckIdentity } from "../../assertions/checks/check-builder.ts";
import type { ContractTarget } from "../../assertions/contract.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { StackEndpoints } from "../../stack/started-stack.ts";

/** The stack-health alert a drill expects when a scraped component goes down (stack/manifests' stack-health rules). */
export const TARGET_DOWN = "TargetDown";

export interface ScrapedTarget {
  job: string;
  instance: string;
  scrapeUrl: string;
}

/**
 * Prometheus' active scrape targets of the component: those that point at one of its endpoints,
 * or (when Prometheus reaches it through a forwarder, e.g. from a network namespace) whose
 * `service` label, set by the manifest's relabelling from the Service name, is the component.
 */
export async function scrapedTargetsOf(prometheus: Pick<PrometheusClient, "targets">, endpoints: StackEndpoints, component: string): Promise<ScrapedTarget[]> {
  const hosts = new Set(Object.values(endpoints[component] ?? {}).map((e) => `${e.host}:${e.port}`));
  const { data } = await prometheus.targets();
  const byHost = data.filter((t) => hosts.has(new URL(t.scrapeUrl).host));
  return (byHost.length > 0 ? byHost : data.filter((t) => t.labels.service === component)).map((t) => ({
    job: t.labels.job ?? t.scrapePool,
    instance: t.labels.instance ?? new URL(t.scrapeUrl).host,
    scrapeUrl: t.scrapeUrl,
  }));
}

/** Webhook notifications of TargetDown that name the instance (the Alertmanager webhook JSON carries the labels). */
export function targetDownFor(notifications: readonly Notification[], instance: string): Notification[] {
  return notifications.filter((n) => n.channel === "webhook" && n.alertNames.includes(TARGET_DOWN) && JSON.stringify(n.raw).includes(JSON.stringify(instance)));
}

/** The timestamp of the first failed scrape (`up == 0`) of the instance at or after `fromMs`, read from Prometheus. */
export async function firstFailedScrapeAtMs(
  prometheus: Pick<PrometheusClient, "query">,
  instance: string,
  fromMs: number,
  nowMs: number,
): Promise<number | undefined> {
  const windowSeconds = Math.max(1, Math.ceil((nowMs - fromMs) / 1000) + 1);
  const { data } = await prometheus.query(`up{instance=${JSON.stringify(instance)}}[${windowSeconds}s]`, { timeMs: nowMs });
  const samples = data.resultType === "matrix" ? data.result.flatMap((s) => s.samples) : [];
  return samples.filter((s) => s.value === 0 && s.timeMs >= fromMs).sort((a, b) => a.timeMs - b.timeMs)[0]?.timeMs;
}

export interface AlertUnderFaultInput {
  identity: CheckIdentity;
  fault: string;
  target: ScrapedTarget;
  /** From the first failed scrape after injection (undefined: no scrape failed in the window). */
  conditionTrueAtMs: number | undefined;
  forMs: number;
  evaluationIntervalMs: number;
  injectedAtMs: number;
  healedAtMs: number;
  notifications: readonly Notification[];
  /** The contract's `latency.alertDelivery`. */
  deliveryTarget: ContractTarget;
  shortenedFor?: { fromMs: number; toMs: number; profile: string };
  endedAtMs: number;
  /** Why the check may be expected to arrive only after heal (e.g. the fault is on Alertmanager itself). */
  note?: string;
}

/**
 * The stack's own health alert under a fault: TargetDown for the faulted component's scrape
 * target must reach the webhook receiver (pillar=stack) within the delivery target, measured
 * from the first failed scrape + the rule's `for` (both read back, not assumed).
 */
export function alertUnderFaultCheck(input: AlertUnderFaultInput): CheckResult {
  const trigger = [
    `fault ${input.fault} in force ${new Date(input.injectedAtMs).toISOString()} .. ${new Date(input.healedAtMs).toISOString()}; scrape target ${input.target.job}/${input.target.instance} (${input.target.scrapeUrl})`,
    input.conditionTrueAtMs === undefined
      ? "no failed scrape (up == 0) of the target was recorded during the fault"
      : input.conditionTrueAtMs < input.injectedAtMs
        ? `first failed scrape (up == 0) at ${new Date(input.conditionTrueAtMs).toISOString()}, ${input.injectedAtMs - input.conditionTrueAtMs}ms before injection (a scrape in flight when the fault began, stamped with its start)`
        : `first failed scrape (up == 0) at ${new Date(input.conditionTrueAtMs).toISOString()}, ${input.conditionTrueAtMs - input.injectedAtMs}ms after injection`,
    ...(input.note ? [input.note] : []),
  ];
  const mine = targetDownFor(input.notifications, input.target.instance);
  const delivery = alertDelivery({
    alertName: TARGET_DOWN,
    route: { channel: "webhook" },
    conditionTrueAtMs: input.conditionTrueAtMs ?? input.injectedAtMs,
    forMs: input.forMs,
    evaluationIntervalMs: input.evaluationIntervalMs,
    notifications: mine,
  });
  const check = alertDeliveryCheck({
    identity: input.identity,
    endedAtMs: input.endedAtMs,
    target: input.deliveryTarget,
    delivery,
    trigger,
    notifications: mine,
    expected: "the webhook receiver (stack alerts)",
    ...(input.shortenedFor ? { shortenedFor: input.shortenedFor } : {}),
  });
  if (input.conditionTrueAtMs !== undefined || check.status !== "pass") return check;
  return { ...check, status: "fail", reason: "no failed scrape of the target was recorded, so the condition-true time is unknown" };
}

/** Waits (bounded) until `arrived()` or the deadline; polls every 250 ms. */
export async function waitUntil(arrived: () => boolean, deadlineMs: number, clock: Clock): Promise<boolean> {
  while (!arrived()) {
    const leftMs = deadlineMs - clock.nowMs();
    if (leftMs <= 0) return false;
    await clock.sleep(Math.min(250, leftMs));
  }
  return true;
}
