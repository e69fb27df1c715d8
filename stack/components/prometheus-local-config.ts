import { parse, stringify } from "yaml";
import type { LocalAdaptContext, LocalService } from "./component-def.ts";

interface SdConfig {
  role: string;
  namespaces?: { names?: string[]; own_namespace?: boolean };
}

/**
 * Replaces Kubernetes service discovery with static target groups that carry the same
 * `__meta_kubernetes_*` labels Kubernetes SD would attach, so the manifest's own relabel_configs
 * decide what is scraped, exactly as in a cluster. Only the discovery source changes.
 */
export function adaptPrometheusConfig(text: string, context: LocalAdaptContext): string {
  const config = parse(text) as { scrape_configs?: Record<string, unknown>[]; alerting?: { alertmanagers?: Record<string, unknown>[] } };
  for (const job of config.scrape_configs ?? []) replaceSd(job, `scrape job ${String(job.job_name)}`, context);
  for (const [index, am] of (config.alerting?.alertmanagers ?? []).entries()) replaceSd(am, `alertmanagers[${index}]`, context);
  return stringify(config, { lineWidth: 0 });
}

function replaceSd(section: Record<string, unknown>, what: string, context: LocalAdaptContext): void {
  const sds = section.kubernetes_sd_configs as SdConfig[] | undefined;
  if (!sds) return;
  delete section.kubernetes_sd_configs;
  const groups = sds.flatMap((sd) => targetGroups(sd, context.services));
  const existing = (section.static_configs as unknown[] | undefined) ?? [];
  section.static_configs = [...existing, ...groups];
  const roles = [...new Set(sds.map((sd) => sd.role))].join(", ");
  const unsupported = sds.filter((sd) => !["endpoints", "service", "pod", "endpointslice"].includes(sd.role)).map((sd) => sd.role);
  context.note(
    `prometheus: ${what}: kubernetes_sd_configs (role ${roles}) -> ${groups.length} static target group(s) with the same __meta_kubernetes_* labels` +
      (unsupported.length ? `; role ${unsupported.join(", ")} has no local equivalent (no targets)` : ""),
  );
}

function targetGroups(sd: SdConfig, services: readonly LocalService[]): Record<string, unknown>[] {
  const names = sd.namespaces?.names;
  const inScope = services.filter((s) => names === undefined || names.length === 0 || names.includes(s.namespace));
  switch (sd.role) {
    case "endpoints":
    case "endpointslice":
    case "service":
      return inScope.flatMap((service) =>
        service.ports.map((port) => ({
          targets: [`${port.local.host}:${port.local.port}`],
          labels: {
            ...serviceLabels(service),
            ...(sd.role === "service"
              ? { __meta_kubernetes_service_port_name: port.name, __meta_kubernetes_service_port_protocol: "TCP" }
              : {
                  __meta_kubernetes_endpoint_port_name: port.name,
                  __meta_kubernetes_endpoint_port_protocol: "TCP",
                  __meta_kubernetes_endpoint_ready: "true",
                  ...podLabels(service, port),
                }),
          },
        })),
      );
    case "pod":
      return inScope.flatMap((service) =>
        service.ports.map((port) => ({
          targets: [`${port.local.host}:${port.local.port}`],
          labels: { __meta_kubernetes_namespace: service.namespace, ...podLabels(service, port) },
        })),
      );
    default:
      return [];
  }
}

function serviceLabels(service: LocalService): Record<string, string> {
  const labels: Record<string, string> = { __meta_kubernetes_namespace: service.namespace, __meta_kubernetes_service_name: service.name };
  for (const [key, value] of Object.entries(service.annotations)) {
    labels[`__meta_kubernetes_service_annotation_${sanitize(key)}`] = value;
    labels[`__meta_kubernetes_service_annotationpresent_${sanitize(key)}`] = "true";
  }
  for (const [key, value] of Object.entries(service.labels)) {
    labels[`__meta_kubernetes_service_label_${sanitize(key)}`] = value;
    labels[`__meta_kubernetes_service_labelpresent_${sanitize(key)}`] = "true";
  }
  return labels;
}

function podLabels(service: LocalService, port: LocalService["ports"][number]): Record<string, string> {
  const labels: Record<string, string> = {
    __meta_kubernetes_pod_name: service.podName,
    __meta_kubernetes_pod_ready: "true",
    __meta_kubernetes_pod_phase: "Running",
    __meta_kubernetes_pod_container_name: service.containerName,
    __meta_kubernetes_pod_container_port_name: port.targetPortName ?? port.name,
    __meta_kubernetes_pod_container_port_number: String(port.local.port),
  };
  for (const [key, value] of Object.entries(service.podLabels)) {
    labels[`__meta_kubernetes_pod_label_${sanitize(key)}`] = value;
    labels[`__meta_kubernetes_pod_labelpresent_${sanitize(key)}`] = "true";
  }
  return labels;
}

/** Kubernetes SD turns any character not valid in a label name into `_`. */
export function sanitize(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, "_");
}
