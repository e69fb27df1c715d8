import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { K6_INPUTS_FILE, type K6Inputs } from "./scripts/inputs-shape.ts";

/** The k6 scripts folder: one flat directory, so the same relative imports work locally and in a ConfigMap mounted at /test. */
export const K6_SCRIPTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "scripts");

/**
 * Every file a k6 run needs, by file name: the scripts (with the modules they import) and the
 * run's `k6-inputs.json`. The local runner writes them into the run directory; the TestRun
 * renderer puts them in the ConfigMap. One list, so the two cannot drift.
 */
export async function k6ScriptFiles(inputs: K6Inputs): Promise<Record<string, string>> {
  const names = (await readdir(K6_SCRIPTS_DIR)).filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts")).sort();
  const files: Record<string, string> = {};
  for (const name of names) files[name] = await readFile(path.join(K6_SCRIPTS_DIR, name), "utf8");
  files[K6_INPUTS_FILE] = `${JSON.stringify(inputs, null, 2)}\n`;
  return files;
}
