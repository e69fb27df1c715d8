import type { ComponentDef } from "./component-def.ts";
import { dskitListenConfig } from "./dskit-listen-args.ts";

export const tempo: ComponentDef = {
  name: "tempo",
  title: "Grafana Tempo",
  pillar: "traces",
  binaries: ["tempo"],
  versionArgs: ["-version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
  adaptConfigFile: (file, context) =>
    /\.ya?ml$/.test(file.path) ? dskitListenConfig(file.content, { ...context, note: (line) => context.note(`tempo: ${file.path}: ${line}`) }) : file.content,
  substitutes: [
    {
      name: "tempo-reference-sink",
      binaries: "builtin",
      versionArgs: [],
      versionPattern: /(\d+\.\d+\.\d+)/,
      describe:
        "the obsconf Tempo reference sink stands in for Tempo: OTLP HTTP and gRPC in, trace by id, tag search and a TraceQL subset, in memory, searchable at once (real Tempo waits for trace_idle_period)",
      servesPorts: ["http", "otlp-grpc", "otlp-http"],
      argv: ({ listen }) => ["tempo", ...Object.entries(listen).map(([name, address]) => `--listen=${name}=${address}`)],
      readinessPath: "/ready",
      keepsData: "memory",
    },
  ],
};
