import { parse } from "yaml";
import { base, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import { identityOf } from "../../assertions/checks/check-catalog.ts";
import type { CheckResult, Evidence } from "../../assertions/run-result.ts";
import { parseDurationMs } from "../../common/duration.ts";
import { pollUntil } from "../../common/poll-until.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import { reachAll } from "../../stack/clients/reach.ts";
import { parseExposition } from "../../stack/clients/receiver-counters.ts";
import { checkGroup } from "../shared/check-group.ts";

/** What kube-state-metrics must show about the cluster it watches: the nodes and the run's own namespace. */
const SERIES = ["kube_node_info", 'kube_namespace_status_phase{namespace="monitoring",phase="Active"}'] as const;

/**
 * kube-state-metrics watching a real API server, scraped through the manifest's own Prometheus config:
 * its endpoint serves the cluster's objects (nodes, the stack's namespace), and Prometheus has them
 * from that scrape within two scrape intervals. A permission KSM lacks shows as missing series.
 */
export function kubeStateMetricsGroup() {
  return checkGroup({
    ids: ["metrics.kube-state-metrics"],
    needs: (ctx) => reachAll({ prometheus: ctx.clients.prometheus, ksm: ctx.clients.endpoint("kube-state-metrics", "http-metrics") }),
    run: async (ctx, { prometheus, ksm }) => {
      const identity = identityOf("metrics.kube-state-metrics", ctx.clock.nowMs());
      const text = await (await fetch(`${ksm.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
      const served = SERIES.map((s) => ({ series: s, count: servedCount(text, s) }));
      const config = parse((await prometheus.config()).data) as { global?: { scrape_interval?: string } };
      const intervalMs = parseDurationMs(config.global?.scrape_interval ?? "1m") ?? 60_000;
      const counts = await pollUntil(
        "kube-state-metrics' series in Prometheus",
        () => countAll(prometheus),
        (c) => c.every((n) => n > 0),
        {
          timeoutMs: 2 * intervalMs + 15_000,
          intervalMs: 1_000,
          clock: ctx.clock,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        },
      ).catch(() => countAll(prometheus));
      return [verdict(identity, ctx.clock.nowMs(), ksm.url, served, counts)];
    },
  });
}

function servedCount(text: string, series: string): number {
  const [name, labels] = /^([a-z_]+)(?:\{(.*)\})?$/.exec(series)!.slice(1);
  const want = Object.fromEntries([...(labels ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  return parseExposition(text, name!).filter((s) => Object.entries(want).every(([k, v]) => s.labels[k] === v)).length;
}

async function countAll(prometheus: PrometheusClient): Promise<number[]> {
  return Promise.all(
    SERIES.map(async (s) => {
      const { data } = await prometheus.query(`count(${s})`);
      return data.resultType === "vector" ? Number(data.result[0]?.value ?? 0) : 0;
    }),
  );
}

function verdict(
  identity: CheckIdentity,
  endedAtMs: number,
  url: string,
  served: readonly { series: string; count: number }[],
  counts: readonly number[],
): CheckResult {
  const problems = [
    ...served.filter((s) => s.count === 0).map((s) => `${url}/metrics serves no ${s.series} (kube-state-metrics cannot list it: RBAC or the API server)`),
    ...SERIES.filter((_, i) => !(counts[i]! > 0)).map((s) => `Prometheus has no ${s} from kube-state-metrics' scrape within two scrape intervals`),
  ];
  const evidence: Evidence[] = [
    ...served.map((s): Evidence => ({ kind: "sample", text: `${url}/metrics: ${s.count} series ${s.series}` })),
    ...SERIES.map((s, i): Evidence => ({ kind: "query", text: `count(${s}) = ${counts[i] ?? 0} in Prometheus` })),
  ];
  return {
    ...base(identity, endedAtMs),
    status: problems.length ? "fail" : "pass",
    ...(problems.length ? { reason: problems.join("; ") } : {}),
    measured: { value: counts[0] ?? 0, unit: "nodes", note: "kube_node_info series Prometheus scraped from kube-state-metrics" },
    evidence,
  };
}
