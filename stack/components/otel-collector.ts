import type { ComponentDef } from "./component-def.ts";

export const otelCollector: ComponentDef = {
  name: "otel-collector",
  title: "OpenTelemetry Collector",
  pillar: "traces",
  binaries: ["otelcol-contrib", "otelcol"],
  versionArgs: ["--version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
};
