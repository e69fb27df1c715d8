import type { ComponentDef } from "./component-def.ts";

export const promtail: ComponentDef = {
  name: "promtail",
  title: "Promtail",
  pillar: "logs",
  binaries: ["promtail"],
  versionArgs: ["-version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
};
