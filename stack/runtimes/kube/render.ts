import { HarnessError, InputError, describeSeen } from "../../../common/errors.ts";
import { fillGeneratedSecrets } from "../../manifest/generated-secrets.ts";
import { CLUSTER_SCOPED } from "../../manifest/k8s-schemas.ts";
import { displayPath, type ImagePin, type K8sObject, type ManifestSet } from "../../manifest/load-manifests.ts";
import { applyImagePin } from "./image-ref.ts";
import { harnessAccessPolicies } from "./harness-network-policy.ts";
import { allocateNodePorts, type NodePortExposure } from "./node-ports.ts";
import { MANAGED_BY, MANAGED_BY_LABEL, moveToRunNamespace, RUN_ID_LABEL } from "./run-namespace.ts";

/**
 * `harnessFromAnywhere`: the cluster runtime reaches Services from outside (node-port or
 * load-balancer reach), so the harness policies admit any source on the harness's ports.
 */
export type RenderTarget = { kind: "k3s" } | { kind: "cluster"; namespace: string; runId: string; harnessFromAnywhere?: boolean };

/** One object as it will be applied, with the manifest file and document it came from. */
export interface RenderedObject {
  object: K8sObject;
  source: { file: string; document: number };
}

/** `kubectl apply` order: what others reference first, workloads last. Other kinds follow, in source order. */
export const APPLY_ORDER: readonly string[] = [
  "Namespace",
  "CustomResourceDefinition",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Secret",
  "ConfigMap",
  "PersistentVolumeClaim",
  "NetworkPolicy",
  "Service",
  "StatefulSet",
  "Deployment",
  "DaemonSet",
];

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The manifests as one runtime applies them (pure; the set is not modified). Both targets pin
 * images from the kustomization. `k3s` keeps the manifests' namespace and turns every Service the
 * harness needs into a NodePort Service with a deterministic `nodePort` (see node-ports.ts);
 * `cluster` moves everything into the run's namespace (see run-namespace.ts).
 */
export function renderForTarget(set: ManifestSet, target: RenderTarget): RenderedObject[] {
  const objects = set.objects.map((o): RenderedObject => ({ object: structuredClone(o.object), source: { file: o.file, document: o.document } }));
  for (const { object } of objects) {
    if (!CLUSTER_SCOPED.has(object.kind) && object.metadata.namespace === undefined) object.metadata.namespace = set.namespace;
    if (WORKLOADS.has(object.kind)) pinImages(object, set.images);
  }
  fillGeneratedSecrets(set, objects);
  if (target.kind === "k3s") {
    const exposures = allocateNodePorts(set);
    exposeNodePorts(objects, exposures);
    objects.push(...harnessAccessPolicies(objects, { ports: exposures, fromAnywhere: true }));
  } else {
    checkClusterTarget(target);
    if (!objects.some((o) => o.object.kind === "Namespace" && o.object.metadata.name === set.namespace)) {
      objects.unshift({
        object: { apiVersion: "v1", kind: "Namespace", metadata: { name: set.namespace } },
        source: { file: displayPath(set.kustomizationFile), document: 1 },
      });
    }
    const services = objects.filter((o) => o.object.kind === "Service").map((o) => o.object.metadata.name);
    // k6 runner pods of this run (k6-test-run.ts labels them so) send load from inside the namespace.
    objects.push(
      ...harnessAccessPolicies(objects, {
        ports: allocateNodePorts(set),
        fromAnywhere: target.harnessFromAnywhere ?? false,
        podLabels: { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: target.runId },
      }),
    );
    moveToRunNamespace(objects, { from: set.namespace, namespace: target.namespace, runId: target.runId, services });
  }
  return sortForApply(objects);
}

/** Stable sort by APPLY_ORDER; kinds not listed go last, in source order. */
export function sortForApply(objects: readonly RenderedObject[]): RenderedObject[] {
  const rank = (kind: string) => (APPLY_ORDER.includes(kind) ? APPLY_ORDER.indexOf(kind) : APPLY_ORDER.length);
  return [...objects].sort((a, b) => rank(a.object.kind) - rank(b.object.kind));
}

function pinImages(object: K8sObject, pins: readonly ImagePin[]): void {
  const pod = (object.spec as { template: { spec: { containers?: { image: string }[]; initContainers?: { image: string }[] } } }).template.spec;
  for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) container.image = applyImagePin(container.image, pins);
}

function exposeNodePorts(objects: readonly RenderedObject[], exposures: readonly NodePortExposure[]): void {
  for (const { object } of objects) {
    if (object.kind !== "Service") continue;
    const mine = exposures.filter((e) => e.service === object.metadata.name);
    if (mine.length === 0) continue;
    const spec = object.spec as { type?: string; clusterIP?: string; ports: { name: string; nodePort?: number }[] };
    if (spec.clusterIP === "None") {
      throw new HarnessError(
        `cannot expose headless Service ${object.metadata.namespace}/${object.metadata.name} as a NodePort (the harness needs its ports ${mine.map((e) => e.port).join(", ")})`,
      );
    }
    spec.type = "NodePort";
    for (const port of spec.ports) {
      const exposure = mine.find((e) => e.port === port.name);
      if (exposure) port.nodePort = exposure.nodePort;
    }
  }
}

function checkClusterTarget(target: { namespace: string; runId: string }): void {
  if (!DNS_LABEL.test(target.runId) || target.runId.length > 40) {
    throw new InputError(
      { file: "cluster run target", field: "runId" },
      "a run id of at most 40 lower-case letters, digits and '-' (it names the namespace and cluster-scoped objects)",
      describeSeen(target.runId),
    );
  }
  if (!DNS_LABEL.test(target.namespace) || target.namespace.length > 63) {
    throw new InputError(
      { file: "cluster run target", field: "namespace" },
      "a namespace name (a DNS label of at most 63 characters)",
      describeSeen(target.namespace),
    );
  }
}
