import type { KubernetesObject } from "@kubernetes/client-node";

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet";
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet"];

export function isWorkload(object: Pick<KubernetesObject, "kind">): boolean {
  return WORKLOAD_KINDS.includes(object.kind as WorkloadKind);
}

/** A workload as read back from the API; only the fields readiness needs. */
export interface WorkloadObject extends KubernetesObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

export interface Readiness {
  ready: boolean;
  /** `0/1 ready`, with `, 0/1 updated` and `, generation 2 not observed yet (observed 1)` when those hold it back. */
  summary: string;
}

/**
 * Ready when the controller has observed the newest generation and every desired replica is
 * updated and ready (DaemonSet: every scheduled node). Zero counts are omitted by the API.
 */
export function readiness(workload: WorkloadObject): Readiness {
  const status = workload.status ?? {};
  const daemon = workload.kind === "DaemonSet";
  const desired = daemon ? (status.desiredNumberScheduled ?? 0) : (workload.spec?.replicas ?? 1);
  const ready = (daemon ? status.numberReady : status.readyReplicas) ?? 0;
  const updated = (daemon ? status.updatedNumberScheduled : status.updatedReplicas) ?? 0;
  const generation = workload.metadata?.generation ?? 0;
  const observed = status.observedGeneration;
  const observedNewest = observed !== undefined && observed >= generation;
  const parts = [`${ready}/${desired} ready`];
  if (updated !== desired) parts.push(`${updated}/${desired} updated`);
  if (!observedNewest) parts.push(`generation ${generation} not observed yet (observed ${observed ?? "none"})`);
  return { ready: observedNewest && ready === desired && updated === desired, summary: parts.join(", ") };
}

/** `a=b,c=d` from the workload's `spec.selector.matchLabels` (matchExpressions are not used by obsconf's manifests). */
export function podSelector(workload: WorkloadObject): string {
  return Object.entries(workload.spec?.selector?.matchLabels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}
