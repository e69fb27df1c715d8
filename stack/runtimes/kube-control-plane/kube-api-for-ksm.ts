import path from "node:path";
import { HarnessError } from "../../../common/errors.ts";
import type { ManifestSet } from "../../manifest/load-manifests.ts";
import { applyObjects } from "../kube-api/apply.ts";
import type { KubeObject } from "../kube-api/kube-object.ts";
import { renderForTarget } from "../kube/render.ts";
import { findControlPlane } from "./control-plane-binaries.ts";
import { startKubeControlPlane, type StartedKubeControlPlane } from "./start-kube-control-plane.ts";

export interface KubeApiForKsm extends AsyncDisposable {
  readonly plane: StartedKubeControlPlane;
  /** A kubeconfig of the manifests' kube-state-metrics ServiceAccount (what OBSCONF_KUBECONFIG names). */
  readonly kubeconfig: string;
}

/**
 * A real Kubernetes API (etcd, kube-apiserver, controller-manager, scheduler and kwok's fake node, from
 * the components cache) for kube-state-metrics on the local runtime: the manifests' own namespace,
 * ServiceAccount, ClusterRole and binding applied as admin, and a kubeconfig of that ServiceAccount
 * (RBAC enforced, so a missing permission shows as KSM's list errors).
 */
export async function startKubeApiForKsm(set: ManifestSet): Promise<KubeApiForKsm> {
  const found = findControlPlane();
  if (!found.available) throw new HarnessError(`no Kubernetes API server here: ${found.reason}`);
  const plane = await startKubeControlPlane({ binaries: found.binaries });
  try {
    const rendered = renderForTarget(set, { kind: "k3s" }).map((o) => o.object as KubeObject);
    const ksmObjects = rendered.filter(
      (o) =>
        o.kind === "Namespace" || (o.metadata.labels?.["app.kubernetes.io/name"] === "kube-state-metrics" && o.kind !== "Deployment" && o.kind !== "Service"),
    );
    await applyObjects(plane.adminKubeConfig(), ksmObjects, { fieldManager: "obsconf-kube-api" });
    const account = ksmObjects.find((o) => o.kind === "ServiceAccount");
    if (!account) throw new HarnessError("the manifests give kube-state-metrics no ServiceAccount (app.kubernetes.io/name=kube-state-metrics)");
    const kc = await plane.serviceAccountKubeConfig(account.metadata.namespace ?? "default", account.metadata.name);
    const kubeconfig = await plane.writeKubeConfig(kc, path.join(plane.dir, "kube-state-metrics.kubeconfig"));
    return { plane, kubeconfig, [Symbol.asyncDispose]: () => plane.stop() };
  } catch (error) {
    await plane.stop();
    throw error;
  }
}
