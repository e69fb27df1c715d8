import { InputError, describeSeen } from "../../../common/errors.ts";
import type { K8sObject } from "../../manifest/load-manifests.ts";
import { POD_SECURITY_LABELS } from "./cluster-scope.ts";
import { rewriteSdNamespaces, rewriteServiceDns } from "./namespace-text.ts";
import type { RenderedObject } from "./render.ts";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "obsconf";
export const RUN_ID_LABEL = "obsconf.dev/run-id";
/** Annotation (Namespace) and Docker label (k3s container) naming the process that runs it, `host/pid`, so cleanup spares live runs. */
export const RUNNER_ANNOTATION = "obsconf.dev/runner";

/** The namespace a cluster run lives in. */
export function runNamespace(runId: string): string {
  return `obsconf-${runId}`;
}

export interface RunNamespaceContext {
  /** The manifests' namespace (kustomization `namespace:`), e.g. `monitoring`. */
  from: string;
  /** The run namespace, e.g. `obsconf-<runId>`. */
  namespace: string;
  runId: string;
  /** Service names in the manifests: their DNS names follow the move. */
  services: readonly string[];
}

type Container = { command?: string[]; args?: string[]; env?: { name: string; value?: string }[] };
type PodSpec = { containers?: Container[]; initContainers?: Container[] };
type Subject = { kind: string; name: string; namespace?: string };
type RoleRef = { kind: string; name: string };

/**
 * Moves a rendered manifest set into one run namespace on a shared cluster: namespaced objects
 * into `namespace`, cluster-scoped RBAC renamed `<name>-<runId>` (bindings follow), the manifests'
 * Namespace replaced by the run's, in-cluster DNS names and SD namespaces rewritten, and every
 * object labelled so teardown and `obsconf cleanup` find it. Mutates and returns `objects`.
 */
export function moveToRunNamespace(objects: RenderedObject[], context: RunNamespaceContext): RenderedObject[] {
  const clusterRoles = new Set(objects.filter((o) => o.object.kind === "ClusterRole").map((o) => o.object.metadata.name));
  const suffixed = (name: string) => `${name}-${context.runId}`;
  const text = (value: string) => rewriteServiceDns(value, context.services, context.from, context.namespace);
  for (const rendered of objects) {
    const object = rendered.object;
    switch (object.kind) {
      case "Namespace":
        if (object.metadata.name !== context.from) {
          throw new InputError(
            { ...rendered.source, object: `Namespace ${object.metadata.name}`, field: "metadata.name" },
            `only the stack's namespace ${JSON.stringify(context.from)} (a cluster run puts everything in its own namespace)`,
            describeSeen(object.metadata.name),
          );
        }
        object.metadata.name = context.namespace;
        object.metadata.labels = { ...object.metadata.labels, ...POD_SECURITY_LABELS };
        break;
      case "ClusterRole":
        object.metadata.name = suffixed(object.metadata.name);
        break;
      case "ClusterRoleBinding":
        object.metadata.name = suffixed(object.metadata.name);
        followBinding(object, clusterRoles, suffixed, context);
        break;
      case "RoleBinding":
        followBinding(object, clusterRoles, suffixed, context);
        break;
      case "ConfigMap": {
        const data = (object as { data?: Record<string, string> }).data ?? {};
        for (const key of Object.keys(data)) data[key] = rewriteSdNamespaces(text(data[key]!), context.from, context.namespace);
        break;
      }
      case "Deployment":
      case "StatefulSet":
      case "DaemonSet": {
        // PVCs a StatefulSet creates carry its claim templates' labels: labelled, teardown and cleanup find them.
        for (const claim of (object.spec as { volumeClaimTemplates?: { metadata?: { labels?: Record<string, string> } }[] }).volumeClaimTemplates ?? []) {
          claim.metadata = { ...claim.metadata, labels: { ...claim.metadata?.labels, [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: context.runId } };
        }
        const pod = (object.spec as { template: { spec: PodSpec } }).template.spec;
        for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) rewriteContainer(container, text);
        break;
      }
    }
    if (object.metadata.namespace !== undefined) object.metadata.namespace = context.namespace;
    object.metadata.labels = { ...object.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: context.runId };
  }
  return objects;
}

function followBinding(object: K8sObject, clusterRoles: ReadonlySet<string>, suffixed: (name: string) => string, context: RunNamespaceContext): void {
  const binding = object as K8sObject & { roleRef: RoleRef; subjects?: Subject[] };
  if (binding.roleRef.kind === "ClusterRole" && clusterRoles.has(binding.roleRef.name)) binding.roleRef.name = suffixed(binding.roleRef.name);
  for (const subject of binding.subjects ?? []) {
    if (subject.namespace === context.from) subject.namespace = context.namespace;
  }
}

function rewriteContainer(container: Container, text: (value: string) => string): void {
  if (container.command) container.command = container.command.map(text);
  if (container.args) container.args = container.args.map(text);
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) variable.value = text(variable.value);
  }
}
