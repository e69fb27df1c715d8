import type { KubernetesObject } from "@kubernetes/client-node";
import { MANAGED_BY as MANAGED_BY_VALUE, MANAGED_BY_LABEL, RUN_ID_LABEL } from "../kube/run-namespace.ts";

/** A rendered manifest object as the renderer hands it over: namespaced, labelled, in apply order. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Every object obsconf applies carries both labels (set by the renderer); teardown deletes by them and nothing else. */
export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL };

/** `app.kubernetes.io/managed-by=obsconf,obsconf.dev/run-id=<runId>`. */
export function runLabelSelector(runId: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${RUN_ID_LABEL}=${runId}`;
}

/** True when the labels mark the object as created by obsconf for this run. */
export function isOwnedByRun(labels: Record<string, string> | undefined, runId: string): boolean {
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels?.[RUN_ID_LABEL] === runId;
}

/** `StatefulSet obsconf-r1/prometheus`, or `ClusterRole obsconf-r1-prometheus` for cluster-scoped objects. */
export function describeObject(object: Pick<KubernetesObject, "kind" | "metadata">): string {
  const namespace = object.metadata?.namespace;
  return `${object.kind} ${namespace ? `${namespace}/` : ""}${object.metadata?.name}`;
}

/** The identifying part of an object, enough for read/delete through KubernetesObjectApi. */
export function headerOf(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): KubeObject {
  const { name, namespace } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, metadata: namespace === undefined ? { name } : { name, namespace } };
}
