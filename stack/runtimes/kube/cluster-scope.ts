import type { K8sObject } from "../../manifest/load-manifests.ts";
import type { RenderedObject } from "./render.ts";

/** Pod Security admission labels of a run namespace: node-exporter, Promtail and Vector need host paths (and node-exporter the host's network and PID namespaces), which `baseline` refuses. */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "privileged",
  "pod-security.kubernetes.io/enforce-version": "latest",
};

type Volume = { name: string; hostPath?: { path: string; type?: string } };

/**
 * What a run on a shared cluster must not share with the cluster's own agents: host paths the
 * stack writes (Promtail's positions, `DirectoryOrCreate`/`FileOrCreate`) get a per-run path, and
 * the log agents discover only the run namespace's pods (Promtail's `kubernetes_sd_configs` get
 * `namespaces`, Vector's `kubernetes_logs` an `extra_field_selector`), so a run neither reads a
 * cluster Promtail's positions nor ships every team's logs. Mutates `objects`; one line per change.
 */
export function scopeToRunNamespace(objects: readonly RenderedObject[], namespace: string, runId: string): string[] {
  const lines: string[] = [];
  for (const { object } of objects) {
    if (object.kind === "DaemonSet" || object.kind === "Deployment" || object.kind === "StatefulSet") {
      const volumes = (object.spec as { template?: { spec?: { volumes?: Volume[] } } }).template?.spec?.volumes ?? [];
      for (const volume of volumes) {
        const hostPath = volume.hostPath;
        if (!hostPath || (hostPath.type !== "DirectoryOrCreate" && hostPath.type !== "FileOrCreate")) continue;
        const before = hostPath.path;
        hostPath.path = `${before.replace(/\/$/, "")}-obsconf-${runId}`;
        lines.push(
          `cluster: ${object.kind} ${object.metadata.name}: hostPath ${volume.name} ${before} -> ${hostPath.path} (a path the run writes, apart from the node's own agents)`,
        );
      }
    }
    if (object.kind !== "ConfigMap") continue;
    const data = (object as K8sObject & { data?: Record<string, string> }).data ?? {};
    for (const [key, text] of Object.entries(data)) {
      const scoped = scopePromtailDiscovery(scopeVectorKubernetesLogs(text, namespace), namespace);
      if (scoped === text) continue;
      data[key] = scoped;
      lines.push(`cluster: ConfigMap ${object.metadata.name} ${key}: log discovery limited to namespace ${namespace}`);
    }
  }
  return lines;
}

/** `kubernetes_sd_configs:` entries of `role: pod` without `namespaces:` get `namespaces: {names: [ns]}`. */
export function scopePromtailDiscovery(text: string, namespace: string): string {
  const lines = text.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]!);
    const sd = /^(\s*)kubernetes_sd_configs:\s*$/.exec(lines[i]!);
    const entry = sd ? /^(\s*)- role: pod\s*$/.exec(lines[i + 1] ?? "") : null;
    if (!sd || !entry) continue;
    const indent = `${entry[1]}  `;
    let j = i + 2;
    let has = false;
    for (; j < lines.length && (lines[j]!.trim() === "" || lines[j]!.startsWith(indent) || lines[j]!.trimStart().startsWith("#")); j++) {
      if (lines[j]!.startsWith(`${indent}namespaces:`)) has = true;
    }
    if (has) continue;
    out.push(lines[i + 1]!, `${indent}namespaces:`, `${indent}  names: [${namespace}]`);
    i++;
  }
  return out.join("\n");
}

/** A Vector `type: kubernetes_logs` source without `extra_field_selector` gets `metadata.namespace=<ns>`. */
export function scopeVectorKubernetesLogs(text: string, namespace: string): string {
  return text.replace(/^([ \t]*)type: kubernetes_logs[ \t]*$/m, (line: string, indent: string) =>
    text.includes("extra_field_selector:") ? line : `${line}\n${indent}extra_field_selector: "metadata.namespace=${namespace}"`,
  );
}
