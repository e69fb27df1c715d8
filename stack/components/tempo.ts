import type { ComponentDef } from "./component-def.ts";

export const tempo: ComponentDef = {
  name: "tempo",
  title: "Grafana Tempo",
  pillar: "traces",
  binaries: ["tempo"],
  versionArgs: ["-version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
};
