import type { ComponentDef } from "./component-def.ts";

export const loki: ComponentDef = {
  name: "loki",
  title: "Grafana Loki",
  pillar: "logs",
  binaries: ["loki"],
  versionArgs: ["-version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
};
