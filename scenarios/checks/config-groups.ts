import { notRun } from "../../assertions/checks/check-builder.ts";
import { identityOf } from "../../assertions/checks/check-catalog.ts";
import { prometheusRetentionCheck, prometheusScrapeIntervalCheck } from "../../assertions/checks/config-checks.ts";
import { lokiRetentionCheck } from "../../assertions/checks/loki-retention-check.ts";
import { checkGroup } from "../shared/check-group.ts";

/** Retention and scrape interval, as the running Prometheus reports them (flags, loaded config). */
export function prometheusConfigGroup() {
  return checkGroup({
    ids: ["config.prometheus.retention", "config.prometheus.scrape-interval"],
    needs: (ctx) => ctx.clients.prometheus,
    run: async (ctx, client) =>
      Promise.all([
        prometheusRetentionCheck({ client, contract: ctx.contract, clock: ctx.clock }),
        prometheusScrapeIntervalCheck({ client, contract: ctx.contract, clock: ctx.clock }),
      ]),
  });
}

/** Loki's retention from its running config; the reference sink keeps none, so there it is `unsupported`. */
export function lokiRetentionGroup() {
  return checkGroup({
    ids: ["config.loki.retention"],
    needs: (ctx) => ctx.clients.loki,
    run: async (ctx, loki) => {
      if (ctx.clients.statusOf("loki")?.plan.mode === "substitute") {
        return [
          notRun(
            identityOf("config.loki.retention", ctx.clock.nowMs()),
            "unsupported",
            "the Loki reference sink keeps no retention settings; run a real loki to check them",
            ctx.contract.targets["retention.loki"],
          ),
        ];
      }
      return [await lokiRetentionCheck({ fetchConfig: async () => (await loki.config()).data, contract: ctx.contract, clock: ctx.clock })];
    },
  });
}
