import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { InputError } from "../common/errors.ts";
import { loadContract, profileOf } from "../assertions/contract.ts";
import { loadQuerySuite, SUITES_DIR } from "../assertions/query-suite.ts";
import type { QueryLanguage } from "../assertions/query-syntax.ts";
// Direct module imports (not stack/index.ts): obsconf.ts calls this before the heavy modules load.
import { loadManifests } from "../stack/manifest/load-manifests.ts";
import { checkBinFlag } from "../stack/runtimes/local/bin-names.ts";
import { DEFAULT_REPORTS_DIR } from "./cli-options.ts";
import { CHECKS } from "../assertions/checks/check-catalog.ts";
import { checkFilter } from "../scenarios/shared/check-filter.ts";

export interface RunInput {
  /** `conformance`, `load`, `chaos`; undefined for `obsconf up` (no reports, no suites, no contract). */
  scenario?: string;
  runsDir: string;
  /** `--out`; undefined: `reports/out/<run-id>`. */
  out?: string;
  manifests: string;
  contract?: string;
  profile?: string;
  promqlSuite?: string;
  logqlSuite?: string;
  traceqlSuite?: string;
  bin: Readonly<Record<string, string>>;
  /** `--only` prefixes: each must select a check obsconf has (the scenario's own list is checked again when it loads). */
  only?: readonly string[];
}

/**
 * Everything a run or `up` reads from the user, checked before anything starts (no process, no run
 * directory, no report): the runs and report directories (writable, the report one new), `--bin`
 * (a known name and an executable file), the manifests with their embedded configs, the contract
 * and profile, and every query suite (parsed locally, its declared language the flag's). The first
 * problem is thrown as an InputError naming the file or flag, the field, what was expected and
 * what was seen (exit 2).
 */
export async function validateRunInput(input: RunInput): Promise<void> {
  // First and cheap: a typo in --only is refused before the manifests or anything heavier load.
  if (input.only?.length && (input.scenario === "conformance" || input.scenario === "load")) {
    checkFilter(input.only, { scenario: "obsconf", ids: Object.keys(CHECKS) });
  }
  checkWritableDir(input.runsDir, "--runs-dir", { mustNotExist: false });
  if (input.scenario !== undefined) {
    if (input.out !== undefined) checkWritableDir(input.out, "--out", { mustNotExist: true });
    else checkWritableDir(DEFAULT_REPORTS_DIR, "--out", { mustNotExist: false, shownAs: `the default report directory ${DEFAULT_REPORTS_DIR}` });
  }
  for (const [name, file] of Object.entries(input.bin)) checkBinFlag(name, file);
  // The user's own small files before the manifests (whose strict schema loads the Kubernetes models).
  if (input.scenario !== undefined) await checkContractAndSuites({ ...input, scenario: input.scenario });
  await loadManifests(input.manifests);
}

async function checkContractAndSuites(input: RunInput & { scenario: string }): Promise<void> {
  const contract = loadContract(input.contract);
  if (input.profile !== undefined) profileOf(contract, input.profile);
  if (input.scenario === "chaos") return;
  const suites: [QueryLanguage, string | undefined][] = [
    ["promql", input.promqlSuite],
    ["logql", input.logqlSuite],
    ["traceql", input.traceqlSuite],
  ];
  for (const [language, file] of suites) {
    await loadQuerySuite(file ?? path.join(SUITES_DIR, `${language}.yaml`), file ?? `assertions/suites/${language}.yaml`, {
      language,
      flag: `--${language}-suite`,
    });
  }
}

/**
 * A directory obsconf will create or write into: it exists as a writable directory (unless
 * `mustNotExist`: a report directory is never written over), or its nearest existing ancestor is
 * a writable directory, so creating it later cannot fail.
 */
export function checkWritableDir(
  dir: string,
  flag: string,
  { mustNotExist, shownAs = JSON.stringify(dir) }: { mustNotExist: boolean; shownAs?: string },
): void {
  const refuse = (expected: string, seen: string): never => {
    throw new InputError({ file: "command line", field: flag }, expected, seen);
  };
  const wanted = mustNotExist
    ? "a directory that does not exist yet (reports are never written over), under a writable directory"
    : "a writable directory, or one that can be created";
  const kind = statKind(dir);
  if (kind !== "absent") {
    if (mustNotExist) refuse(wanted, `${shownAs}, which is an existing ${kind}`);
    if (kind !== "directory") refuse(wanted, `${shownAs}, which is ${kind === "file" ? "a file" : `a ${kind}`}`);
    if (!writable(dir)) refuse(wanted, `${shownAs}, which is not writable`);
    return;
  }
  let ancestor = path.dirname(path.resolve(dir));
  while (statKind(ancestor) === "absent" && ancestor !== path.dirname(ancestor)) ancestor = path.dirname(ancestor);
  const ancestorKind = statKind(ancestor);
  if (ancestorKind !== "directory")
    refuse(wanted, `${shownAs}, under ${JSON.stringify(ancestor)}, which is ${ancestorKind === "file" ? "a file" : `a ${ancestorKind}`}`);
  if (!writable(ancestor)) refuse(wanted, `${shownAs}, under ${JSON.stringify(ancestor)}, which is not writable`);
}

function statKind(file: string): "absent" | "directory" | "file" | "special file" {
  try {
    const stat = statSync(file);
    return stat.isDirectory() ? "directory" : stat.isFile() ? "file" : "special file";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return "absent";
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
