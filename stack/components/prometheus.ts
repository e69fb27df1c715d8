import type { ComponentDef } from "./component-def.ts";
import { adaptPrometheusConfig } from "./prometheus-local-config.ts";

export const prometheus: ComponentDef = {
  name: "prometheus",
  title: "Prometheus",
  pillar: "metrics",
  binaries: ["prometheus"],
  versionArgs: ["--version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
  adaptConfigFile: (file, context) =>
    /\.ya?ml$/.test(file.path) && /scrape_configs|alerting|remote_write/.test(file.content) ? adaptPrometheusConfig(file.content, context) : file.content,
};
