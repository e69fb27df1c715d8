import type { ComponentDef } from "./component-def.ts";

export const alertmanager: ComponentDef = {
  name: "alertmanager",
  title: "Alertmanager",
  pillar: "alerting",
  binaries: ["alertmanager", "prometheus-alertmanager"],
  versionArgs: ["--version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
};
