import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { RunDiff } from "../../assertions/regression/run-diff.ts";
import { HarnessError } from "../../common/errors.ts";
import type { ReportFormat } from "../reporter.ts";
import { diffReporters as defaultReporters } from "./diff-registry.ts";
import type { DiffReporter } from "./diff-reporter.ts";

export interface WriteDiffReportsOptions {
  /** The directory to create; it must not exist yet. */
  outDir: string;
  formats: readonly ReportFormat[];
  reporters?: Readonly<Record<ReportFormat, () => DiffReporter>>;
}

/**
 * Renders the diff in every requested format and publishes them together, as writeReports does:
 * written into `<outDir>.tmp-<pid>`, renamed to `outDir` at the end, removed on any failure.
 */
export async function writeDiffReports(diff: Readonly<RunDiff>, { outDir, formats, reporters = defaultReporters }: WriteDiffReportsOptions): Promise<string[]> {
  const finalDir = resolve(outDir);
  const exists = await stat(finalDir).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw new HarnessError(`cannot check whether diff directory ${outDir} exists`, { cause: error });
    },
  );
  if (exists) throw new HarnessError(`diff directory ${outDir} already exists; expected a new directory (reports are never overwritten)`);
  if (formats.length === 0) throw new HarnessError(`no diff formats requested for ${outDir}; expected at least one of ${Object.keys(reporters).join(", ")}`);
  const tempDir = `${finalDir}.tmp-${process.pid}`;
  await mkdir(dirname(finalDir), { recursive: true });
  await mkdir(tempDir).catch((cause: unknown) => {
    throw new HarnessError(`cannot create temporary diff directory ${tempDir} (it must not exist yet)`, { cause });
  });
  try {
    const names: string[] = [];
    for (const format of formats) {
      const file = reporters[format]().render(diff);
      if (names.includes(file.fileName)) throw new HarnessError(`two diff formats both write ${file.fileName}`);
      names.push(file.fileName);
      await writeFile(join(tempDir, file.fileName), file.contents, { encoding: "utf8", flag: "wx" });
    }
    await rename(tempDir, finalDir);
    return names.map((name) => join(outDir, name));
  } catch (cause) {
    await rm(tempDir, { recursive: true, force: true });
    throw new HarnessError(`writing the diff to ${outDir} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
