import type { ComponentDef } from "./component-def.ts";
import { dskitListenArgs } from "./dskit-listen-args.ts";
import { adaptPromtailConfig } from "./promtail-local-config.ts";

export const promtail: ComponentDef = {
  name: "promtail",
  title: "Promtail",
  pillar: "logs",
  binaries: ["promtail"],
  versionArgs: ["-version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
  localArgv: (_spec, args, context) => dskitListenArgs(args, context),
  adaptConfigFile: (file, context) =>
    /\.ya?ml$/.test(file.path) && /scrape_configs/.test(file.content) ? adaptPromtailConfig(file.content, context) : file.content,
};
