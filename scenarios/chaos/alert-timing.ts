import { parse } from "yaml";
import { parseDurationMs } from "../../common/duration.ts";
import { parseAlertmanagerConfig } from "../../assertions/checks/config-checks.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import type { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { AlertTiming } from "./phase-alerts.ts";

const TARGET_DOWN = "TargetDown";
/** The stack-health alert a drill times under faults (its `for` shortened by the ci profile). */
export const DRILL_ALERTS = [{ alert: TARGET_DOWN, ruleFile: "stack-health.rules.yml" }] as const;

/** Rule timings the alert checks need, read from the running Prometheus and Alertmanager (never restated). */
export async function alertTiming(
  prometheus: PrometheusClient,
  alertmanager: AlertmanagerClient | undefined,
  contract: Contract,
  shortenedFrom: ReadonlyMap<string, number>,
  profile: Profile,
): Promise<AlertTiming | undefined> {
  if (!alertmanager) return undefined;
  const config = parse((await prometheus.config()).data) as { global?: { scrape_interval?: string; scrape_timeout?: string; evaluation_interval?: string } };
  const rules = (await prometheus.rules()).data;
  const group = rules.find((g) => g.rules.some((r) => r.name === TARGET_DOWN));
  const rule = group?.rules.find((r) => r.name === TARGET_DOWN);
  if (!group || !rule) return undefined;
  const highErrorRate = rules.flatMap((g) => g.rules).find((r) => r.name === "HighErrorRate");
  const route = parseAlertmanagerConfig((await alertmanager.status()).data.config.original).route;
  const from = shortenedFrom.get(TARGET_DOWN);
  return {
    scrapeIntervalMs: parseDurationMs(config.global?.scrape_interval ?? "1m") ?? 60_000,
    scrapeTimeoutMs: parseDurationMs(config.global?.scrape_timeout ?? "10s") ?? 10_000,
    evaluationIntervalMs: group.intervalMs,
    targetDownForMs: rule.forMs ?? 0,
    groupWaitMs: parseDurationMs(route.group_wait ?? "30s") ?? 30_000,
    highErrorRateWindowMs: parseDurationMs(/\[(\w+)\]/.exec(highErrorRate?.query ?? "")?.[1] ?? "5m") ?? 300_000,
    deliveryTarget: contract.targets["latency.alertDelivery"],
    ...(from !== undefined ? { shortenedFor: { fromMs: from, toMs: rule.forMs ?? 0, profile: profile.name } } : {}),
  };
}
