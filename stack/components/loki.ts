import type { ComponentDef } from "./component-def.ts";
import { dskitListenArgs } from "./dskit-listen-args.ts";

export const loki: ComponentDef = {
  name: "loki",
  title: "Grafana Loki",
  pillar: "logs",
  binaries: ["loki"],
  versionArgs: ["-version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
  localArgv: (_spec, args, context) => dskitListenArgs(args, context),
  substitutes: [
    {
      name: "loki-reference-sink",
      binaries: "builtin",
      versionArgs: [],
      versionPattern: /(\d+\.\d+\.\d+)/,
      describe:
        "the obsconf Loki reference sink stands in for Loki: the push, query_range, query, labels, series and tail APIs, a LogQL subset, in memory, no retention",
      servesPorts: ["http"],
      argv: ({ listen }) => ["loki", ...Object.entries(listen).map(([name, address]) => `--listen=${name}=${address}`)],
      readinessPath: "/ready",
      keepsData: "memory",
    },
  ],
};
