import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { apiErrorDetail } from "./api-error.ts";

export interface PodLogOptions {
  namespace: string;
  /** Created if missing: `<dir>/<pod>/<container>.log`. */
  dir: string;
  /** Per container; the API server reads no more than this. */
  tailLines?: number;
  labelSelector?: string;
}

/**
 * Every container's log of every pod in `namespace` into the run directory, before a runtime
 * tears the run down (a k3s container or a cluster namespace takes its logs with it). A log that
 * cannot be read becomes a `.log.error` file saying why. Returns the files written.
 */
export async function collectPodLogs(kc: KubeConfig, { namespace, dir, tailLines = 10_000, labelSelector }: PodLogOptions): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) });
  const files: string[] = [];
  for (const pod of pods.items) {
    const name = pod.metadata?.name ?? "unnamed";
    const podDir = path.join(dir, name);
    await mkdir(podDir, { recursive: true });
    for (const container of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      try {
        const log = await core.readNamespacedPodLog({ name, namespace, container: container.name, tailLines });
        const file = path.join(podDir, `${container.name}.log`);
        await writeFile(file, log);
        files.push(file);
      } catch (error) {
        const file = path.join(podDir, `${container.name}.log.error`);
        await writeFile(file, `${apiErrorDetail(error)}\n`);
        files.push(file);
      }
    }
  }
  return files;
}
