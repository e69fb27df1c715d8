import type { ComponentDef } from "./component-def.ts";
import { dskitListenArgs } from "./dskit-listen-args.ts";

export const mimir: ComponentDef = {
  name: "mimir",
  title: "Grafana Mimir",
  pillar: "metrics",
  binaries: ["mimir"],
  versionArgs: ["--version"],
  versionPattern: /version (\d+\.\d+\.\d+)/,
  localArgv: (_spec, args, context) => dskitListenArgs(args, context),
  substitutes: [
    {
      name: "victoria-metrics",
      binaries: ["victoria-metrics", "victoria-metrics-prod"],
      versionArgs: ["-version"],
      versionPattern: /v(\d+\.\d+\.\d+)/,
      describe:
        "VictoriaMetrics single-node stands in for Mimir: remote write (Mimir's /api/v1/push, rewritten to /api/v1/write) and PromQL on /prometheus/api/v1/*",
      // -search.latencyOffset=0s: VictoriaMetrics hides the newest 30 s by default, which Mimir does not.
      servesPorts: ["http"],
      argv: ({ listen, dataDir }) => [`-httpListenAddr=${listen.http}`, `-storageDataPath=${dataDir}`, "-search.latencyOffset=0s", "-retentionPeriod=1"],
      readinessPath: "/health",
      keepsData: "disk",
      pathRewrites: { "/api/v1/push": "/api/v1/write" },
    },
  ],
};
