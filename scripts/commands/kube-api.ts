import { copyFile, chmod } from "node:fs/promises";
import { loadManifests, waitForShutdownSignal } from "../../stack/index.ts";
import { startKubeApiForKsm } from "../../stack/runtimes/kube-control-plane/index.ts";

/**
 * `obsconf kube-api --kubeconfig-out FILE`: a real Kubernetes API server for kube-state-metrics on
 * the local runtime, until SIGINT/SIGTERM. Writes the kubeconfig of the manifests' KSM ServiceAccount
 * to FILE; `OBSCONF_KUBECONFIG=FILE obsconf run conformance` then runs KSM against it.
 */
export async function kubeApiCommand(options: { manifests: string; kubeconfigOut: string }): Promise<number> {
  await using api = await startKubeApiForKsm(await loadManifests(options.manifests));
  await copyFile(api.kubeconfig, options.kubeconfigOut);
  await chmod(options.kubeconfigOut, 0o600);
  process.stdout.write(`kube-api: ${api.plane.server} ready; kube-state-metrics' kubeconfig: ${options.kubeconfigOut}\n`);
  await waitForShutdownSignal();
  return 0;
}
