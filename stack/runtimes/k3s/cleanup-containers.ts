import { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL, RUNNER_ANNOTATION } from "../kube/run-namespace.ts";
import { keepReason, type CleanupLine, type CleanupOptions } from "../cluster/cleanup-runs.ts";
import type { DockerEngine } from "./docker-engine.ts";

/** Docker label naming the process (`host/pid`) that started a k3s container. */
export const RUNNER_LABEL = RUNNER_ANNOTATION;

/** k3s containers left by a killed obsconf (labelled managed-by=obsconf), force-removed with their volumes. */
export async function cleanupK3sContainers(engine: DockerEngine, options: CleanupOptions = {}): Promise<CleanupLine[]> {
  const lines: CleanupLine[] = [];
  for (const container of await engine.containersLabelled({ [MANAGED_BY_LABEL]: MANAGED_BY })) {
    const runId = container.labels[RUN_ID_LABEL];
    if (options.runId !== undefined && runId !== options.runId) continue;
    const base = { runtime: "k3s" as const, run: runId ?? "?", what: `container ${container.name} (${container.state})` };
    const keep = keepReason(container.labels[RUNNER_LABEL], options, runId);
    if (keep) {
      lines.push({ ...base, action: "kept", detail: keep });
    } else if (options.dryRun) {
      lines.push({ ...base, action: "would remove", detail: "force-removed with its volumes" });
    } else {
      try {
        await engine.removeContainer(container.id);
        lines.push({ ...base, action: "removed", detail: "force-removed with its volumes" });
      } catch (error) {
        lines.push({ ...base, action: "failed", detail: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return lines;
}
