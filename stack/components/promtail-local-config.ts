import { parse, stringify } from "yaml";
import type { LocalAdaptContext, LocalPod } from "./component-def.ts";
import { sanitize } from "./prometheus-local-config.ts";

/**
 * Replaces Promtail's Kubernetes pod discovery with static target groups, one per harness pod, whose
 * labels are the `__meta_kubernetes_*` labels role `pod` would attach. The manifest's own
 * relabel_configs then compute `namespace`, `pod`, `container`, `service` and `__path__` (whose
 * `/var/log/pods` the mount rewrite already pointed at the run's stand-in for the node's directory),
 * and its pipeline stages (`cri: {}`) parse the lines, exactly as on a node. Only discovery changes.
 */
export function adaptPromtailConfig(text: string, context: LocalAdaptContext): string {
  const config = parse(text) as { scrape_configs?: Record<string, unknown>[] };
  for (const job of config.scrape_configs ?? []) {
    const sds = job.kubernetes_sd_configs as { role: string }[] | undefined;
    if (!sds) continue;
    delete job.kubernetes_sd_configs;
    const pods = sds.some((sd) => sd.role === "pod") ? context.pods : [];
    const existing = (job.static_configs as unknown[] | undefined) ?? [];
    job.static_configs = [...existing, ...pods.map((pod) => ({ targets: ["localhost"], labels: podMetaLabels(pod) }))];
    const others = sds.filter((sd) => sd.role !== "pod").map((sd) => sd.role);
    context.note(
      `promtail: scrape job ${String(job.job_name)}: kubernetes_sd_configs (role ${[...new Set(sds.map((sd) => sd.role))].join(", ")}) -> ` +
        `${pods.length} static target group(s) with the same __meta_kubernetes_* labels (harness pods: ${pods.map((p) => `${p.namespace}/${p.name}`).join(", ") || "none"}); ` +
        `their log files are under ${context.podLogDir}` +
        (others.length ? `; role ${others.join(", ")} has no local equivalent (no targets)` : ""),
    );
  }
  return stringify(config, { lineWidth: 0 });
}

/** What Kubernetes SD role `pod` attaches to a container of a running, ready pod. */
export function podMetaLabels(pod: LocalPod): Record<string, string> {
  const labels: Record<string, string> = {
    __meta_kubernetes_namespace: pod.namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_uid: pod.uid,
    __meta_kubernetes_pod_container_name: pod.containerName,
    __meta_kubernetes_pod_ready: "true",
    __meta_kubernetes_pod_phase: "Running",
  };
  for (const [key, value] of Object.entries(pod.labels)) {
    labels[`__meta_kubernetes_pod_label_${sanitize(key)}`] = value;
    labels[`__meta_kubernetes_pod_labelpresent_${sanitize(key)}`] = "true";
  }
  return labels;
}
