import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { RunResult } from "../assertions/run-result.ts";
import { HarnessError } from "../common/errors.ts";
import { reporters as defaultReporters } from "./registry.ts";
import type { ReportFormat, Reporter } from "./reporter.ts";

export interface WriteReportsOptions {
  /** The report directory to create; it must not exist yet. */
  outDir: string;
  formats: readonly ReportFormat[];
  /** Reporter factories by format (tests swap one in); defaults to the registry. */
  reporters?: Readonly<Record<ReportFormat, () => Reporter>>;
}

/**
 * Renders every requested format and publishes them together: files are written into the
 * sibling `<outDir>.tmp-<pid>` and that directory is renamed to `outDir` at the end, so a
 * reader sees all reports or none. On any failure the temp directory is removed.
 * Each reporter gets `onCheckResult` for every check, in order, then `onRunEnd`.
 * Returns the written paths, in `formats` order.
 */
export async function writeReports(result: Readonly<RunResult>, { outDir, formats, reporters = defaultReporters }: WriteReportsOptions): Promise<string[]> {
  const finalDir = resolve(outDir);
  if (await exists(finalDir)) {
    throw new HarnessError(`report directory ${outDir} already exists; expected a new directory (reports are never overwritten)`);
  }
  if (formats.length === 0) throw new HarnessError(`no report formats requested for ${outDir}; expected at least one of ${Object.keys(reporters).join(", ")}`);
  const tempDir = `${finalDir}.tmp-${process.pid}`;
  await mkdir(dirname(finalDir), { recursive: true });
  try {
    await mkdir(tempDir);
  } catch (cause) {
    throw new HarnessError(`cannot create temporary report directory ${tempDir} (it must not exist yet)`, { cause });
  }
  let current: ReportFormat | undefined;
  try {
    const fileNames = new Map<string, ReportFormat>();
    for (const format of formats) {
      current = format;
      const reporter = reporters[format]();
      for (const check of result.checks) reporter.onCheckResult?.(check);
      const file = await reporter.onRunEnd(result);
      if (file.fileName === "" || basename(file.fileName) !== file.fileName || file.fileName === "." || file.fileName === "..") {
        throw new HarnessError(`reporter ${format} returned file name ${JSON.stringify(file.fileName)}; expected a bare file name`);
      }
      const clash = fileNames.get(file.fileName);
      if (clash !== undefined) throw new HarnessError(`reporters ${clash} and ${format} both write ${file.fileName}`);
      fileNames.set(file.fileName, format);
      await writeFile(join(tempDir, file.fileName), file.contents, { encoding: "utf8", flag: "wx" });
    }
    current = undefined;
    await rename(tempDir, finalDir);
    return [...fileNames.keys()].map((name) => join(outDir, name));
  } catch (cause) {
    await rm(tempDir, { recursive: true, force: true });
    const stage = current === undefined ? "publishing" : `the ${current} report`;
    throw new HarnessError(`writing reports to ${outDir} failed at ${stage}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new HarnessError(`cannot check whether report directory ${path} exists`, { cause });
  }
}
