import { InputError } from "../../common/errors.ts";
import { formatTable } from "../../common/text-table.ts";
import { cleanupClusterRuns, cleanupK3sContainers, DockerEngine, loadKubeContext, type CleanupLine } from "../../stack/index.ts";

export interface CleanupCommandOptions {
  /** k3s | cluster | all. */
  runtime: string;
  context?: string;
  runId?: string;
  force?: boolean;
  dryRun?: boolean;
}

const RUNTIMES = ["k3s", "cluster", "all"];

/**
 * `obsconf cleanup`: what killed runs left behind, found by label: k3s containers on the container
 * engine, run namespaces (and their cluster roles) on the kube context. Runs whose obsconf is
 * still alive here, or that were started on another host, are kept unless named (--run-id) or
 * forced. Exit 0 when nothing failed to be removed, 1 when something did.
 */
export async function cleanupCommand(options: CleanupCommandOptions): Promise<number> {
  if (!RUNTIMES.includes(options.runtime)) throw new InputError({ file: "command line", field: "--runtime" }, `one of ${RUNTIMES.join(", ")}`, JSON.stringify(options.runtime));
  const selection = { ...(options.runId ? { runId: options.runId } : {}), ...(options.force ? { force: true } : {}), ...(options.dryRun ? { dryRun: true } : {}) };
  const lines: CleanupLine[] = [];
  const notes: string[] = [];
  if (options.runtime !== "cluster") {
    const engine = new DockerEngine();
    try {
      await engine.ping();
      lines.push(...(await cleanupK3sContainers(engine, selection)));
    } catch (error) {
      if (options.runtime === "k3s") throw error;
      notes.push(`k3s: skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (options.runtime !== "k3s") {
    try {
      const kc = loadKubeContext(options.context !== undefined ? { context: options.context } : {});
      lines.push(...(await cleanupClusterRuns(kc, selection)));
    } catch (error) {
      if (options.runtime === "cluster" || options.context !== undefined) throw error;
      notes.push(`cluster: skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const out = (text: string) => process.stdout.write(`${text}\n`);
  for (const note of notes) out(note);
  if (lines.length === 0) out(`nothing to clean up${options.runId ? ` for run ${options.runId}` : ""}: no obsconf-labelled k3s container or namespace found`);
  else out(formatTable(["runtime", "run", "what", "action", "detail"], lines.map((l) => [l.runtime, l.run, l.what, l.action, l.detail]), { maxWidth: 140 }));
  return lines.some((l) => l.action === "failed") ? 1 : 0;
}
