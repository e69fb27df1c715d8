import type { ComponentDef } from "./component-def.ts";

export const grafana: ComponentDef = {
  name: "grafana",
  title: "Grafana",
  pillar: "visualization",
  binaries: ["grafana", "grafana-server"],
  versionArgs: ["--version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
  // The image's entrypoint runs `grafana server`; the older grafana-server binary takes no subcommand.
  localArgv: (_spec, args) => (args[0] === "server" ? [...args] : ["server", ...args]),
};
