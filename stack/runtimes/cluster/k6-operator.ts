import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { apiErrorCode, apiErrorDetail } from "../kube-api/api-error.ts";

/** The CRD the k6-operator installs; its presence is what "the operator is installed" means here. */
export const K6_TESTRUN_CRD = "testruns.k6.io";

/** `unreadable`: the API server did not answer the read (not a 404): nothing is known about the cluster. */
export type K6OperatorState = { installed: true; detail: string } | { installed: false; detail: string; unreadable?: true };

/**
 * Whether the k6-operator's TestRun CRD exists on the cluster. Load scenarios render TestRun
 * objects (load/k6/) and apply them through `StartedClusterStack.applyRunObjects` when it does;
 * otherwise they drive load from this machine, and say so.
 */
export async function k6OperatorState(kc: KubeConfig): Promise<K6OperatorState> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  try {
    const crd = await api.read({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: K6_TESTRUN_CRD } });
    const versions = ((crd as { spec?: { versions?: { name: string; served?: boolean }[] } }).spec?.versions ?? [])
      .filter((v) => v.served !== false)
      .map((v) => v.name);
    return { installed: true, detail: `CRD ${K6_TESTRUN_CRD} serves ${versions.join(", ") || "no version"}` };
  } catch (error) {
    if (apiErrorCode(error) === 404) return { installed: false, detail: `no CRD ${K6_TESTRUN_CRD} on the cluster (the k6-operator is not installed)` };
    return { installed: false, detail: `could not read CRD ${K6_TESTRUN_CRD}: ${apiErrorDetail(error)}`, unreadable: true };
  }
}
