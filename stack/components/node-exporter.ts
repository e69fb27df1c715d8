import type { ComponentDef } from "./component-def.ts";

export const nodeExporter: ComponentDef = {
  name: "node-exporter",
  title: "node-exporter",
  pillar: "metrics",
  binaries: ["node_exporter", "prometheus-node-exporter"],
  versionArgs: ["--version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
};
