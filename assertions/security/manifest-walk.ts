import type { K8sObject, ManifestSet, SourcedObject } from "../../stack/manifest/load-manifests.ts";

/** The parts of a pod spec the security checks read (raw manifest fields, as written). */
export interface ContainerFields {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number; hostPort?: number; protocol?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: SecurityContextFields;
}

export interface SecurityContextFields {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
}

export interface PodSpecFields {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContextFields;
  containers: ContainerFields[];
  initContainers?: ContainerFields[];
  volumes?: { name: string; hostPath?: { path: string }; secret?: { secretName: string }; configMap?: { name: string } }[];
}

export interface PodWorkload {
  source: SourcedObject;
  /** `Deployment monitoring/grafana`. */
  object: string;
  namespace: string;
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  pod: PodSpecFields;
  /** Every container (init containers first) with the field path of its entry. */
  containers: { container: ContainerFields; field: string }[];
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

export function describeObject(object: K8sObject, defaultNamespace: string): string {
  const cluster = ["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(object.kind);
  return `${object.kind} ${cluster ? "" : `${object.metadata.namespace ?? defaultNamespace}/`}${object.metadata.name}`;
}

export function podWorkloads(set: ManifestSet): PodWorkload[] {
  return set.objects
    .filter((o) => WORKLOADS.has(o.object.kind))
    .map((source) => {
      const template = (
        source.object.spec as { template: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpecFields } }
      ).template;
      const pod = template.spec;
      const containers = [
        ...(pod.initContainers ?? []).map((container, i) => ({ container, field: `spec.template.spec.initContainers[${i}]` })),
        ...pod.containers.map((container, i) => ({ container, field: `spec.template.spec.containers[${i}]` })),
      ];
      return {
        source,
        object: describeObject(source.object, set.namespace),
        namespace: source.object.metadata.namespace ?? set.namespace,
        podLabels: template.metadata.labels ?? {},
        podAnnotations: template.metadata.annotations ?? {},
        pod,
        containers,
      };
    });
}

export function objectsOfKind(set: ManifestSet, kind: string): SourcedObject[] {
  return set.objects.filter((o) => o.object.kind === kind);
}

/** `matchLabels` and `matchExpressions` of a label selector against labels (`{}` matches everything). */
export function selectorMatches(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined,
  labels: Record<string, string>,
): boolean {
  if (selector === undefined) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === "In"
        ? has && (e.values ?? []).includes(value!)
        : e.operator === "NotIn"
          ? !has || !(e.values ?? []).includes(value!)
          : e.operator === "Exists"
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}
