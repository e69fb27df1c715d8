import type { ComponentDef } from "./component-def.ts";

export const mimir: ComponentDef = {
  name: "mimir",
  title: "Grafana Mimir",
  pillar: "metrics",
  binaries: ["mimir"],
  versionArgs: ["--version"],
  versionPattern: /version (\d+\.\d+\.\d+)/,
  substitutes: [
    {
      name: "victoria-metrics",
      binaries: ["victoria-metrics", "victoria-metrics-prod"],
      versionArgs: ["-version"],
      versionPattern: /v(\d+\.\d+\.\d+)/,
      describe: "VictoriaMetrics single-node stands in for Mimir: it accepts remote write on /api/v1/push and serves PromQL on /prometheus/api/v1/*",
      // -search.latencyOffset=0s: VictoriaMetrics hides the newest 30 s by default, which Mimir does not.
      argv: ({ listen, dataDir }) => [`-httpListenAddr=${listen}`, `-storageDataPath=${dataDir}`, "-search.latencyOffset=0s", "-retentionPeriod=1"],
      readinessPath: "/health",
    },
  ],
};
