import { alertmanager } from "./alertmanager.ts";
import type { ComponentDef } from "./component-def.ts";
import { grafana } from "./grafana.ts";
import { kafka } from "./kafka.ts";
import { kubeStateMetrics } from "./kube-state-metrics.ts";
import { loki } from "./loki.ts";
import { mimir } from "./mimir.ts";
import { nodeExporter } from "./node-exporter.ts";
import { otelCollector } from "./otel-collector.ts";
import { prometheus } from "./prometheus.ts";
import { promtail } from "./promtail.ts";
import { tempo } from "./tempo.ts";
import { vector } from "./vector.ts";

export type { ComponentDef, SubstituteDef, LocalService, LocalAdaptContext, LocalArgvContext, LocalPod } from "./component-def.ts";

/** Every component of the stack, in the order plans list them. */
export const COMPONENTS: readonly ComponentDef[] = [
  prometheus,
  mimir,
  nodeExporter,
  kubeStateMetrics,
  loki,
  promtail,
  vector,
  tempo,
  otelCollector,
  grafana,
  alertmanager,
  kafka,
];
export const COMPONENT_NAMES: readonly string[] = COMPONENTS.map((c) => c.name);

export function componentDef(name: string): ComponentDef {
  const def = COMPONENTS.find((c) => c.name === name);
  if (!def) throw new Error(`unknown component ${JSON.stringify(name)} (known: ${COMPONENT_NAMES.join(", ")})`);
  return def;
}
