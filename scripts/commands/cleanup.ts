import { InputError } from "../../common/errors.ts";
import { formatTable } from "../../common/text-table.ts";
import { cleanupClusterRuns, cleanupK3sContainers, cleanupLocalRuns, DockerEngine, loadKubeContext, pruneRuns } from "../../stack/index.ts";

export interface CleanupCommandOptions {
  /** local | k3s | cluster | all. */
  runtime: string;
  context?: string;
  runId?: string;
  force?: boolean;
  dryRun?: boolean;
  /** local: where the run directories are. */
  runsDir: string;
  /** local: where the runs' default report directories are. */
  reportsDir: string;
  /** local: keep only the newest N runs (`--keep`). */
  keep?: number;
}

const RUNTIMES = ["local", "k3s", "cluster", "all"];

type Row = { runtime: string; run: string; what: string; action: string; detail: string };

/**
 * `obsconf cleanup`: what killed runs left behind. Local runs: from each run directory's
 * host-state.jsonl (processes killed only while pid, start time and command line match;
 * namespaces, veths, tmpfs mounts), and `--keep N` prunes all but the newest N runs. k3s
 * containers and cluster run namespaces: found by label. Runs whose obsconf is still alive here,
 * or that were started on another host, are kept unless named (--run-id, k3s/cluster) or forced.
 * Exit 0 when nothing failed to be removed, 1 when something did.
 */
export async function cleanupCommand(options: CleanupCommandOptions): Promise<number> {
  if (!RUNTIMES.includes(options.runtime))
    throw new InputError({ file: "command line", field: "--runtime" }, `one of ${RUNTIMES.join(", ")}`, JSON.stringify(options.runtime));
  if (options.keep !== undefined && options.runtime !== "local" && options.runtime !== "all")
    throw new InputError(
      { file: "command line", field: "--keep" },
      "--keep with --runtime local or all (it prunes local run directories)",
      `--keep with --runtime ${options.runtime}`,
    );
  const selection = {
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.force ? { force: true } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
  };
  const rows: Row[] = [];
  const notes: string[] = [];
  const wants = (runtime: string) => options.runtime === runtime || options.runtime === "all";
  if (wants("local")) {
    rows.push(...(await cleanupLocalRuns({ runsDir: options.runsDir, ...selection })));
    if (options.keep !== undefined) {
      for (const line of await pruneRuns({
        runsDir: options.runsDir,
        reportsDir: options.reportsDir,
        keep: options.keep,
        ...(options.dryRun ? { dryRun: true } : {}),
      })) {
        rows.push({ runtime: "local", run: line.run, what: "run directory and report", action: line.action, detail: line.detail });
      }
    }
  }
  if (wants("k3s")) {
    const engine = new DockerEngine();
    try {
      await engine.ping();
      rows.push(...(await cleanupK3sContainers(engine, selection)));
    } catch (error) {
      if (options.runtime === "k3s") throw error;
      notes.push(`k3s: skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (wants("cluster")) {
    try {
      const kc = loadKubeContext(options.context !== undefined ? { context: options.context } : {});
      rows.push(...(await cleanupClusterRuns(kc, selection)));
    } catch (error) {
      if (options.runtime === "cluster" || options.context !== undefined) throw error;
      notes.push(`cluster: skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const out = (text: string) => process.stdout.write(`${text}\n`);
  for (const note of notes) out(note);
  if (rows.length === 0)
    out(
      `nothing to clean up${options.runId ? ` for run ${options.runId}` : ""}: no local run with host state left in ${options.runsDir}, no obsconf-labelled k3s container or namespace found`,
    );
  else
    out(
      formatTable(
        ["runtime", "run", "what", "action", "detail"],
        rows.map((l) => [l.runtime, l.run, l.what, l.action, l.detail]),
        { maxWidth: 160 },
      ),
    );
  return rows.some((l) => l.action === "failed") ? 1 : 0;
}
