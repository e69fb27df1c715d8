import { alertmanagerManifest, prometheusRulesManifest } from "../../assertions/alerting-manifest.ts";
import { alertmanagerReceiversCheck } from "../../assertions/checks/alertmanager-receivers-check.ts";
import { alertmanagerRoutesCheck } from "../../assertions/checks/config-checks.ts";
import { ready } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";

/**
 * Every route the contract requires, walked through the running Alertmanager's routing tree, and every
 * alerting rule of the manifests routed with its static labels against the contract's routes.
 */
export function alertmanagerRoutesGroup() {
  return checkGroup({
    ids: ["config.alertmanager.routes"],
    needs: (ctx) => ctx.clients.alertmanager,
    run: async (ctx, client) => {
      const prom = prometheusRulesManifest(ctx.manifests);
      const rules = prom ? { rules: prom.rules, externalLabels: prom.externalLabels } : undefined;
      return [await alertmanagerRoutesCheck({ client, contract: ctx.contract, clock: ctx.clock, ...(rules ? { rules } : {}) })];
    },
  });
}

/** The receivers' own fields as the manifest writes them (static: nothing from the running stack). */
export function alertmanagerReceiversGroup() {
  return checkGroup({
    ids: ["config.alertmanager.receivers"],
    needs: (ctx) => ready(ctx.manifests),
    run: async (ctx, manifests) => [alertmanagerReceiversCheck({ manifest: alertmanagerManifest(manifests), nowMs: ctx.clock.nowMs() })],
  });
}
