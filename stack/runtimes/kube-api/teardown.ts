import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { HarnessError, InputError } from "../../../common/errors.ts";
import { RUNNER_ANNOTATION } from "../kube/run-namespace.ts";
import { apiErrorCode, apiErrorDetail } from "./api-error.ts";
import { describeObject, headerOf, isOwnedByRun, MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL, runLabelSelector, type KubeObject } from "./kube-object.ts";

export interface KindRef {
  apiVersion: string;
  kind: string;
}

const kind = (apiVersion: string, name: string): KindRef => ({ apiVersion, kind: name });
const RBAC = "rbac.authorization.k8s.io/v1";

/** Namespaced kinds teardown looks for, in delete order: workloads first, what they use after. */
export const TEARDOWN_NAMESPACED_KINDS: readonly KindRef[] = [
  kind("apps/v1", "Deployment"),
  kind("apps/v1", "StatefulSet"),
  kind("apps/v1", "DaemonSet"),
  kind("networking.k8s.io/v1", "NetworkPolicy"),
  kind("v1", "Service"),
  kind("v1", "ConfigMap"),
  kind("v1", "Secret"),
  kind("v1", "PersistentVolumeClaim"),
  kind(RBAC, "RoleBinding"),
  kind(RBAC, "Role"),
  kind("v1", "ServiceAccount"),
];
export const TEARDOWN_CLUSTER_KINDS: readonly KindRef[] = [kind(RBAC, "ClusterRoleBinding"), kind(RBAC, "ClusterRole")];

/** Namespaces teardown refuses by name, whatever their labels say. */
export const PROTECTED_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease", "default"];

export interface TeardownOptions {
  runId: string;
  namespace: string;
  /** Defaults to TEARDOWN_NAMESPACED_KINDS. */
  namespacedKinds?: readonly KindRef[];
}

export interface TeardownResult {
  /** `Kind namespace/name` of every object deleted, in delete order (the namespace last). */
  deleted: string[];
  /**
   * The namespace is still there, Terminating: the cluster deletes what is left in it (finalizers,
   * e.g. PVC protection) and then the namespace. kube-apiserver answers a delete of a Terminating
   * namespace with 200 and the namespace, not an error, so this is a deletion in progress, not a failure.
   */
  namespaceTerminating?: boolean;
}

export interface LeftoverRun {
  namespace: string;
  /** The namespace's run-id label; undefined when it has none. */
  runId: string | undefined;
  /** The `obsconf.dev/runner` annotation (`host/pid` of the process that ran it), when set. */
  runner?: string;
}

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Deletes what run `runId` created and nothing else: objects labelled
 * `app.kubernetes.io/managed-by=obsconf,obsconf.dev/run-id=<runId>` in `namespace` and at cluster
 * scope (ClusterRoleBinding, ClusterRole), then the namespace itself. Refuses system namespaces by
 * name and any namespace not labelled for this run, before deleting anything. A namespace that is
 * already gone leaves only the run's cluster-scoped objects to delete. Deletes propagate in the
 * background; objects already gone are skipped.
 */
export async function teardownRun(kc: KubeConfig, { runId, namespace, namespacedKinds = TEARDOWN_NAMESPACED_KINDS }: TeardownOptions): Promise<TeardownResult> {
  if (!LABEL_VALUE.test(runId)) {
    throw new InputError({ file: "teardown", field: "runId" }, 'a label value (letters, digits, "-", "_", "."; at most 63 characters)', JSON.stringify(runId));
  }
  const expected = `a namespace obsconf created for run ${runId} (labelled ${runLabelSelector(runId)})`;
  if (PROTECTED_NAMESPACES.includes(namespace)) {
    throw new InputError({ file: "teardown", field: "namespace" }, expected, `${JSON.stringify(namespace)}, a system namespace obsconf never tears down`);
  }
  const api = KubernetesObjectApi.makeApiClient(kc);
  const context = `teardown of run ${runId}`;
  const namespaceObject = await readOrUndefined(api, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, context);
  if (namespaceObject && !isOwnedByRun(namespaceObject.metadata?.labels, runId)) {
    throw new InputError(
      { file: "teardown", field: "namespace" },
      expected,
      `${JSON.stringify(namespace)} labelled ${JSON.stringify(namespaceObject.metadata?.labels ?? {})}`,
    );
  }
  const deleted: string[] = [];
  for (const ref of namespaceObject ? namespacedKinds : []) deleted.push(...(await deleteLabelled(api, ref, namespace, runId, context)));
  for (const ref of TEARDOWN_CLUSTER_KINDS) deleted.push(...(await deleteLabelled(api, ref, undefined, runId, context)));
  const namespaceHeader = { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } };
  if (namespaceObject && (await deleteOrSkip(api, namespaceHeader, context))) {
    deleted.push(`Namespace ${namespace}`);
    if (await readOrUndefined(api, namespaceHeader, context)) return { deleted, namespaceTerminating: true };
  }
  return { deleted };
}

/** Namespaces labelled `app.kubernetes.io/managed-by=obsconf`, with their run ids, for `obsconf cleanup`. */
export async function findLeftoverRuns(kc: KubeConfig): Promise<LeftoverRun[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
  try {
    const list = await api.list("v1", "Namespace", undefined, undefined, undefined, undefined, undefined, selector);
    return list.items
      .filter((ns) => ns.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE)
      .map((ns) => {
        const runner = ns.metadata?.annotations?.[RUNNER_ANNOTATION];
        return { namespace: ns.metadata?.name ?? "", runId: ns.metadata?.labels?.[RUN_ID_LABEL], ...(runner ? { runner } : {}) };
      });
  } catch (error) {
    throw new HarnessError(`listing namespaces labelled ${selector} failed: ${apiErrorDetail(error)}`, { cause: error });
  }
}

async function deleteLabelled(api: KubernetesObjectApi, ref: KindRef, namespace: string | undefined, runId: string, context: string): Promise<string[]> {
  let items: KubernetesObject[];
  try {
    const list = await api.list(ref.apiVersion, ref.kind, namespace, undefined, undefined, undefined, undefined, runLabelSelector(runId));
    items = list.items;
  } catch (error) {
    const where = namespace === undefined ? "" : ` in ${namespace}`;
    throw new HarnessError(`${context}: listing ${ref.kind} objects${where} labelled ${runLabelSelector(runId)} failed: ${apiErrorDetail(error)}`, {
      cause: error,
    });
  }
  const deleted: string[] = [];
  // List items carry no apiVersion/kind; the labels are checked again rather than trusting the selector alone.
  for (const item of items.filter((i) => isOwnedByRun(i.metadata?.labels, runId))) {
    const header = headerOf({ ...ref, metadata: { name: item.metadata?.name ?? "", ...(namespace === undefined ? {} : { namespace }) } });
    if (await deleteOrSkip(api, header, context)) deleted.push(describeObject(header));
  }
  return deleted;
}

/** True when deleted, false when it was already gone. */
async function deleteOrSkip(api: KubernetesObjectApi, header: KubeObject, context: string): Promise<boolean> {
  try {
    await api.delete(header, undefined, undefined, undefined, undefined, "Background");
    return true;
  } catch (error) {
    if (apiErrorCode(error) === 404) return false;
    throw new HarnessError(`${context}: deleting ${describeObject(header)} failed: ${apiErrorDetail(error)}`, { cause: error });
  }
}

async function readOrUndefined(api: KubernetesObjectApi, header: KubeObject, context: string): Promise<KubernetesObject | undefined> {
  try {
    return await api.read(header);
  } catch (error) {
    if (apiErrorCode(error) === 404) return undefined;
    throw new HarnessError(`${context}: reading ${describeObject(header)} failed: ${apiErrorDetail(error)}`, { cause: error });
  }
}
