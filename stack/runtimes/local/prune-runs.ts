import { readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { HOST_STATE_FILE, readLedger } from "./host-state-ledger.ts";
import { matchRecorded, obsconfMounts } from "./host-state-undo.mjs";

/**
 * How many runs `obsconf run` keeps (their `runs/<run-id>/` and `reports/out/<run-id>/`) before
 * pruning the oldest: the one place this number is written (`--keep-runs` overrides it; its help
 * text and the README quote it from here).
 */
export const DEFAULT_KEEP_RUNS = 10;

/** A run directory's name as `newRunId()` makes it: `20250101-120000-ab12`. Only these are ever pruned. */
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[a-z0-9]{4}$/;

export interface PruneLine {
  run: string;
  action: "pruned" | "would prune" | "kept";
  detail: string;
}

export interface PruneOptions {
  runsDir: string;
  /** Where each run's default report directory is (`reports/out`): `<reportsDir>/<run-id>` goes with the run. */
  reportsDir: string;
  /** Keep the newest `keep` runs (by run id, which starts with its UTC start time). */
  keep: number;
  dryRun?: boolean;
}

/**
 * Removes all but the newest `keep` runs: `<runsDir>/<id>` and `<reportsDir>/<id>`. A run whose
 * obsconf still runs, that still has host state outstanding in its ledger, or has a tmpfs mounted
 * below it is kept (say `obsconf cleanup --runtime local` first). Directories whose names are
 * not run ids are never touched.
 */
export async function pruneRuns({ runsDir, reportsDir, keep, dryRun = false }: PruneOptions): Promise<PruneLine[]> {
  let names: string[] = [];
  try {
    names = readdirSync(runsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && RUN_ID_PATTERN.test(e.name))
      .map((e) => e.name);
  } catch {
    return [];
  }
  const old = names.sort().reverse().slice(Math.max(0, keep));
  const mounts = obsconfMounts();
  const lines: PruneLine[] = [];
  for (const run of old) {
    const runDir = path.resolve(runsDir, run);
    const ledger = readLedger(path.join(runDir, HOST_STATE_FILE));
    const why =
      ledger.owner && matchRecorded(ledger.owner).kind === "same"
        ? `its obsconf (pid ${ledger.owner.pid}) still runs`
        : ledger.outstanding.length > 0
          ? `${ledger.outstanding.length} thing(s) still outstanding on the host (obsconf cleanup --runtime local removes them)`
          : mounts.some((m) => m === runDir || m.startsWith(`${runDir}/`))
            ? "a tmpfs is still mounted below it"
            : undefined;
    if (why) {
      lines.push({ run, action: "kept", detail: why });
      continue;
    }
    const report = path.resolve(reportsDir, run);
    if (!dryRun) {
      await rm(runDir, { recursive: true, force: true });
      await rm(report, { recursive: true, force: true });
    }
    lines.push({ run, action: dryRun ? "would prune" : "pruned", detail: `${path.join(runsDir, run)} and ${path.join(reportsDir, run)}` });
  }
  return lines;
}
