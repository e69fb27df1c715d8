import { parse } from "yaml";
import { parseDurationMs } from "../../common/duration.ts";
import { parseAlertmanagerConfig } from "../../assertions/checks/config-checks.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import type { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { RuntimeOverride } from "../../stack/started-stack.ts";
import { readRuleFors, shortenRuleFor } from "../conformance/rule-for-override.ts";
import type { AlertTiming } from "./phase-alerts.ts";

const RULES_DIR = "/etc/prometheus/rules";
const STACK_HEALTH_RULES = "stack-health.rules.yml";
const TARGET_DOWN = "TargetDown";

/** Rule timings the alert checks need, read from the running Prometheus and Alertmanager (never restated). */
export async function alertTiming(prometheus: PrometheusClient, alertmanager: AlertmanagerClient | undefined, contract: Contract, shortenedFrom: ReadonlyMap<string, number>, profile: Profile): Promise<AlertTiming | undefined> {
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

/** Profile-specific short `for` of TargetDown in a copy of the stack-health rules (the report says so); none for documented. */
export function shortForOverride(profile: Profile, shortenedFrom: Map<string, number>): RuntimeOverride[] {
  const toMs = profile.alerts.shortenForToMs;
  if (toMs === undefined) return [];
  return [{
    component: "prometheus",
    describe: `profile ${profile.name}: ${TARGET_DOWN} exercised with for: ${toMs / 1000}s (copy of ${STACK_HEALTH_RULES}; the manifest is unchanged)`,
    file: {
      path: `${RULES_DIR}/${STACK_HEALTH_RULES}`,
      transform: (text: string) => {
        for (const r of readRuleFors(text, [TARGET_DOWN])) shortenedFrom.set(r.alert, r.forMs);
        return shortenRuleFor(text, [TARGET_DOWN], `${toMs / 1000}s`);
      },
    },
  }];
}

