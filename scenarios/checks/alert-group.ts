import { reachAll } from "../../stack/clients/reach.ts";
import type { RuntimeOverride } from "../../stack/started-stack.ts";
import type { Profile } from "../../assertions/contract.ts";
import { checkGroup } from "../shared/check-group.ts";
import { ALERT_CHECK_IDS, runAlertChecks, TRIGGERED_ALERTS } from "./alert-checks.ts";
import { canaryTransport } from "./canary-transports.ts";
import { readRuleFors, shortenRuleFor } from "./rule-for-override.ts";

const RULES_DIR = "/etc/prometheus/rules";

/**
 * Alert delivery end to end through the running Prometheus and Alertmanager: a synthetic trigger whose
 * true time is known, received at the harness's sinks. `shortenedFrom` holds the manifest's `for` of
 * each alert the profile shortened (see `shortForOverrides`), for the report.
 */
export function alertDeliveryGroup(shortenedFrom: ReadonlyMap<string, number>) {
  return checkGroup({
    ids: ALERT_CHECK_IDS,
    needs: (ctx) =>
      reachAll({
        prometheus: ctx.clients.prometheus,
        alertmanager: ctx.clients.alertmanager,
        write: ctx.clients.remoteWrite,
        routing: ctx.instruments.alertRouting,
      }),
    run: async (ctx, { prometheus, alertmanager, write }) => {
      await using transport = canaryTransport(write, "remote-write");
      return await runAlertChecks({
        ...ctx,
        prometheus,
        alertmanager,
        transport: transport.retried,
        notifications: ctx.instruments.notifications,
        manifests: ctx.manifests,
        shortenedFrom,
      });
    },
  });
}

/**
 * Profile-specific short-`for` copies of the rules of `alerts` (default: the alerts conformance triggers;
 * the report says so, the manifest is unchanged); none for documented. `shortenedFrom` gets each rule's
 * manifest `for` as the copy is made.
 */
export function shortForOverrides(
  profile: Profile,
  shortenedFrom: Map<string, number>,
  alerts: readonly { alert: string; ruleFile: string }[] = TRIGGERED_ALERTS,
): RuntimeOverride[] {
  const toMs = profile.alerts.shortenForToMs;
  if (toMs === undefined) return [];
  return alerts.map((t) => ({
    component: "prometheus",
    describe: `profile ${profile.name}: ${t.alert} exercised with for: ${toMs / 1000}s (copy of ${t.ruleFile}; the manifest is unchanged)`,
    file: {
      path: `${RULES_DIR}/${t.ruleFile}`,
      transform: (text: string) => {
        for (const r of readRuleFors(text, [t.alert])) shortenedFrom.set(r.alert, r.forMs);
        return shortenRuleFor(text, [t.alert], `${toMs / 1000}s`);
      },
    },
  }));
}
