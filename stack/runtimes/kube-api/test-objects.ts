import type { KubeObject } from "./kube-object.ts";

/** Test support: rendered objects of one run, labelled as the renderer labels them. */
export function runLabels(runId: string): Record<string, string> {
  return { "app.kubernetes.io/managed-by": "obsconf", "obsconf.dev/run-id": runId };
}

export function workloadObject(kind: "Deployment" | "StatefulSet" | "DaemonSet", name: string, namespace: string, runId: string): KubeObject {
  const podLabels = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": runId };
  return {
    apiVersion: "apps/v1",
    kind,
    metadata: { name, namespace, labels: { ...runLabels(runId), "app.kubernetes.io/name": name } },
    spec: {
      ...(kind === "DaemonSet" ? {} : { replicas: 1 }),
      ...(kind === "StatefulSet" ? { serviceName: name } : {}),
      selector: { matchLabels: podLabels },
      template: { metadata: { labels: podLabels }, spec: { containers: [{ name, image: `example/${name}:1.0` }] } },
    },
  };
}

export function labelledObject(apiVersion: string, kind: string, name: string, namespace: string | undefined, labels: Record<string, string>): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels } };
}
