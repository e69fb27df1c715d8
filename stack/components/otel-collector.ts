import type { ComponentDef } from "./component-def.ts";

export const otelCollector: ComponentDef = {
  name: "otel-collector",
  title: "OpenTelemetry Collector",
  pillar: "traces",
  binaries: ["otelcol-contrib", "otelcol"],
  versionArgs: ["--version"],
  versionPattern: /version v?(\d+\.\d+\.\d+)/,
  startsAfterDependencies: "its kafka exporter connects to the broker at start and exits when none answers",
};
