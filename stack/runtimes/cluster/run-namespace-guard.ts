import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { HarnessError, InputError } from "../../../common/errors.ts";
import { apiErrorCode, apiErrorDetail } from "../kube-api/api-error.ts";
import { describeObject, type KubeObject } from "../kube-api/kube-object.ts";
import { PROTECTED_NAMESPACES } from "../kube-api/teardown.ts";
import { MANAGED_BY_LABEL, RUN_ID_LABEL } from "../kube/run-namespace.ts";
export { RUNNER_ANNOTATION } from "../kube/run-namespace.ts";

const CLUSTER_SCOPED_KINDS = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"]);

/**
 * Before anything is sent: every object must be the run namespace itself, live in it, or be a
 * cluster-scoped object renamed for the run. Refuses kube-system, default and any other namespace
 * by name, whatever the manifests or a caller hand in.
 */
export function guardRunObjects(objects: readonly KubeObject[], namespace: string, runId: string): void {
  if (PROTECTED_NAMESPACES.includes(namespace)) {
    throw new InputError(
      { file: "cluster run", field: "namespace" },
      "a namespace obsconf creates for the run (obsconf-<run-id>)",
      `${JSON.stringify(namespace)}, a system namespace obsconf never uses`,
    );
  }
  for (const object of objects) {
    const where = describeObject(object);
    if (object.kind === "Namespace") {
      if (object.metadata.name !== namespace) throw new HarnessError(`refusing to apply ${where}: a cluster run creates only its own namespace ${namespace}`);
    } else if (CLUSTER_SCOPED_KINDS.has(object.kind)) {
      if (!object.metadata.name.endsWith(`-${runId}`))
        throw new HarnessError(`refusing to apply ${where}: cluster-scoped objects of a run carry its id (…-${runId})`);
    } else if (object.metadata.namespace !== namespace) {
      throw new HarnessError(
        `refusing to apply ${where}: it is outside the run namespace ${namespace}${PROTECTED_NAMESPACES.includes(object.metadata.namespace ?? "") ? " (a system namespace)" : ""}`,
      );
    }
  }
}

/**
 * The run namespace must not exist yet: obsconf creates it, labelled and annotated, and uses no
 * namespace it did not create. An existing one (a clash of run ids, or someone's namespace) is refused.
 */
export async function assertNamespaceIsNew(kc: KubeConfig, namespace: string): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  try {
    const existing = await api.read({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    const labels = existing.metadata?.labels ?? {};
    throw new HarnessError(
      `namespace ${namespace} already exists (labels ${MANAGED_BY_LABEL}=${labels[MANAGED_BY_LABEL] ?? "none"}, ${RUN_ID_LABEL}=${labels[RUN_ID_LABEL] ?? "none"}): obsconf uses only a namespace it creates for the run; pick another --run-id or remove it (obsconf cleanup removes leftover obsconf runs)`,
    );
  } catch (error) {
    if (error instanceof HarnessError) throw error;
    if (apiErrorCode(error) === 404) return;
    throw new HarnessError(`reading namespace ${namespace} failed: ${apiErrorDetail(error)}`, { cause: error });
  }
}
