import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import { findLeftoverRuns, teardownRun } from "../kube-api/teardown.ts";

export interface CleanupOptions {
  /** Only this run. */
  runId?: string;
  /** Also runs that look alive or were started elsewhere. */
  force?: boolean;
  /** List what would be removed, remove nothing. */
  dryRun?: boolean;
}

export interface CleanupLine {
  runtime: "k3s" | "cluster";
  run: string;
  what: string;
  action: "removed" | "would remove" | "kept" | "failed";
  detail: string;
}

/**
 * Whether the process named by a runner mark (`host/pid`) is still running: only answerable for
 * this host. `undefined` when it cannot be known (another host, or no mark).
 */
export function runnerAlive(runner: string | undefined): boolean | undefined {
  const match = runner ? /^(.+)\/(\d+)$/.exec(runner) : null;
  if (!match || match[1] !== hostname()) return undefined;
  try {
    process.kill(Number(match[2]), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why a leftover run is kept, or undefined when it may be removed. */
export function keepReason(runner: string | undefined, { runId, force }: CleanupOptions, id: string | undefined): string | undefined {
  if (force) return undefined;
  const alive = runnerAlive(runner);
  if (alive) return `its obsconf process ${runner} is still running (stop it, or pass --force)`;
  if (alive === undefined && runId === undefined) {
    return runner
      ? `started on another host (${runner}); pass --run-id ${id ?? "<id>"} or --force to remove it`
      : `no runner mark; pass --run-id ${id ?? "<id>"} or --force to remove it`;
  }
  return undefined;
}

/**
 * Runs left on the cluster by a killed obsconf (namespaces labelled managed-by=obsconf): each is
 * torn down by its run-id label, exactly as a run tears itself down. Runs whose process is alive
 * on this host, or that were started on another host, are kept unless named or forced.
 */
export async function cleanupClusterRuns(kc: KubeConfig, options: CleanupOptions = {}): Promise<CleanupLine[]> {
  const lines: CleanupLine[] = [];
  for (const run of await findLeftoverRuns(kc)) {
    if (options.runId !== undefined && run.runId !== options.runId) continue;
    const base = { runtime: "cluster" as const, run: run.runId ?? "?", what: `namespace ${run.namespace}` };
    if (run.runId === undefined) {
      lines.push({ ...base, action: "kept", detail: "labelled managed-by=obsconf but without a run id: not obsconf's to delete" });
      continue;
    }
    const keep = keepReason(run.runner, options, run.runId);
    if (keep) {
      lines.push({ ...base, action: "kept", detail: keep });
    } else if (options.dryRun) {
      lines.push({ ...base, action: "would remove", detail: `every object labelled for run ${run.runId}, then the namespace` });
    } else {
      try {
        const { deleted, namespaceTerminating } = await teardownRun(kc, { runId: run.runId, namespace: run.namespace });
        const terminating = namespaceTerminating ? "; the namespace is Terminating: the cluster removes what is left in it, then the namespace" : "";
        lines.push({
          ...base,
          action: "removed",
          detail: `${deleted.length} objects (${deleted.filter((d) => !d.includes(run.namespace)).join(", ") || "no cluster-scoped ones"} and the namespace's)${terminating}`,
        });
      } catch (error) {
        lines.push({ ...base, action: "failed", detail: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return lines;
}
