import { parse } from "yaml";
import { parseDurationMs } from "../../common/duration.ts";
import { notRun } from "../../assertions/checks/check-builder.ts";
import { catalogTarget, identityOf } from "../../assertions/checks/check-catalog.ts";
import { reachAll } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";
import { canaryTransport } from "./canary-transports.ts";
import { runPullCanary, runPushCanary } from "./metrics-canary-checks.ts";

/**
 * Push path: remote write -> queryable in Prometheus, and the same ledger read back through the
 * long-term store (Mimir or its stand-in), which gets the samples through Prometheus' remote_write.
 * Without a long-term store the push check still runs and the long-term one says why not.
 */
export function metricsPushGroup({ titleSuffix = "" }: { titleSuffix?: string } = {}) {
  return checkGroup({
    ids: ["metrics.ingestion.push", "metrics.ingestion.long-term"],
    titleSuffix,
    needs: (ctx) => reachAll({ prometheus: ctx.clients.prometheus, write: ctx.clients.remoteWrite }),
    run: async (ctx, { prometheus, write }) => {
      await using transport = canaryTransport(write, "remote-write");
      const store = ctx.clients.longTerm;
      const longTerm = store.kind === "ready" ? { client: store.value, simulatedBy: [...store.simulatedBy] } : undefined;
      const result = await runPushCanary({ ...ctx, prometheus, transport: transport.retried, ...(longTerm ? { longTerm } : {}) });
      const absentLongTerm = store.kind === "absent" ? notRun(identityOf("metrics.ingestion.long-term", ctx.clock.nowMs(), titleSuffix), "unavailable", store.reason, catalogTarget(ctx.contract, "metrics.ingestion.long-term")) : undefined;
      return [result.push, result.longTerm ?? absentLongTerm].filter((c) => c !== undefined);
    },
  });
}

/**
 * Pull path: the harness's /metrics target, discovered through the manifest's own Kubernetes SD
 * relabelling, exposes one value per scrape cycle; latency includes the wait for the next scrape.
 */
export function metricsPullGroup() {
  return checkGroup({
    ids: ["metrics.ingestion.pull"],
    needs: (ctx) => reachAll({ prometheus: ctx.clients.prometheus, target: ctx.instruments.pullTarget }),
    run: async (ctx, { prometheus, target }) => {
      const config = parse((await prometheus.config()).data) as { global?: { scrape_interval?: string } };
      const scrapeIntervalMs = parseDurationMs(String(config.global?.scrape_interval ?? "1m")) ?? 60_000;
      return [await runPullCanary({ ...ctx, prometheus, target, scrapeIntervalMs })];
    },
  });
}
