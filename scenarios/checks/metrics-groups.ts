import { parse } from "yaml";
import { pollUntil } from "../../common/poll-until.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { RunContext } from "../shared/run-context.ts";
import { parseDurationMs } from "../../common/duration.ts";
import { absentCheck } from "../../assertions/checks/check-builder.ts";
import { catalogTarget, identityOf } from "../../assertions/checks/check-catalog.ts";
import { reachAll } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";
import { canaryTransport } from "./canary-transports.ts";
import { runPullCanary, runPushCanary } from "./metrics-canary-checks.ts";
import { withRemoteWriteHop } from "./remote-write-hop.ts";

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
      const absentLongTerm =
        store.kind === "absent"
          ? absentCheck(
              identityOf("metrics.ingestion.long-term", ctx.clock.nowMs(), titleSuffix),
              store.status,
              store.reason,
              catalogTarget(ctx.contract, "metrics.ingestion.long-term"),
            )
          : undefined;
      const web = ctx.clients.endpoint("prometheus", "web");
      const receiver = ctx.clients.receivers.metrics;
      const longTermResult =
        result.longTerm && web.kind === "ready"
          ? await withRemoteWriteHop(result.longTerm, {
              prometheusMetricsUrl: web.value.url,
              ...(receiver.kind === "ready" && receiver.value.name !== "prometheus" ? { receiver: receiver.value } : {}),
            })
          : result.longTerm;
      return [result.push, longTermResult ?? absentLongTerm].filter((c) => c !== undefined);
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
      const interval = await scrapingJobInterval(prometheus, target.target, ctx);
      return [await runPullCanary({ ...ctx, prometheus, target, scrapeIntervalMs: interval.ms, intervalSource: interval.source })];
    },
  });
}

/**
 * The interval of the job that actually scrapes the pull canary (a per-job `scrape_interval` overrides
 * the global one): from the target's entry in /api/v1/targets once Prometheus discovered it, else
 * the job's own setting in the loaded config, else the global one.
 */
/**
 * The interval of the job that actually scrapes the canary at `address` (a per-job override of the
 * global one is what bounds the pull path's latency): /api/v1/targets' own, else the job's
 * `scrape_interval` in the running config, else the global one; `source` says which, for the report.
 */
export async function scrapingJobInterval(
  prometheus: Pick<PrometheusClient, "config" | "targets">,
  address: string,
  ctx: Pick<RunContext, "clock" | "signal">,
): Promise<{ ms: number; source: string }> {
  const config = parse((await prometheus.config()).data) as {
    global?: { scrape_interval?: string };
    scrape_configs?: { job_name?: string; scrape_interval?: string }[];
  };
  const globalMs = parseDurationMs(String(config.global?.scrape_interval ?? "1m")) ?? 60_000;
  const found = await pollUntil(
    "the pull canary in Prometheus' targets",
    async () => (await prometheus.targets()).data.find((t) => new URL(t.scrapeUrl).host === address),
    (t) => t !== undefined,
    {
      timeoutMs: 2 * globalMs,
      intervalMs: 500,
      clock: ctx.clock,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    },
  ).catch(() => undefined);
  if (!found) return { ms: globalMs, source: `global scrape_interval (the target was not in /api/v1/targets within ${(2 * globalMs) / 1000}s)` };
  if (found.scrapeIntervalMs !== undefined) return { ms: found.scrapeIntervalMs, source: `job ${found.scrapePool}'s interval in /api/v1/targets` };
  const job = config.scrape_configs?.find((j) => j.job_name === found.scrapePool);
  const jobMs = job?.scrape_interval === undefined ? undefined : parseDurationMs(job.scrape_interval);
  return jobMs !== undefined
    ? { ms: jobMs, source: `job ${found.scrapePool}'s scrape_interval` }
    : { ms: globalMs, source: `global scrape_interval (job ${found.scrapePool} sets none)` };
}
