import path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../common/errors.ts";
import { checkBinFlag } from "../stack/runtimes/local/bin-names.ts";

/** The project's own folders, wherever obsconf is run from. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_MANIFESTS = path.join(PROJECT_ROOT, "stack", "manifests");
export const DEFAULT_RULE_TESTS = path.join(PROJECT_ROOT, "stack", "rule-tests");
/** The scenarios of `obsconf run`. */
export const SCENARIOS = ["conformance", "load", "chaos", "signoff"] as const;

/** Where `obsconf run` writes each run's reports when --out is not given (`<dir>/<run-id>`), relative to the current directory. */
export const DEFAULT_REPORTS_DIR = path.join("reports", "out");

/** Collects repeated `--bin name=path` flags into a map; each must name a known component or tool and an executable file. */
export function collectBin(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const match = /^([a-z][a-z0-9-]*)=(.+)$/.exec(value);
  if (!match) throw new InputError({ file: "command line", field: "--bin" }, "name=path, e.g. --bin loki=/opt/loki/bin/loki", JSON.stringify(value));
  const file = path.resolve(match[2]!);
  checkBinFlag(match[1]!, file, match[2]!);
  return { ...previous, [match[1]!]: file };
}

export function parsePositiveMs(flag: string) {
  return (value: string): number => {
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new InputError({ file: "command line", field: flag }, "a positive number of seconds", JSON.stringify(value));
    return Math.round(seconds * 1000);
  };
}

export function parseList(flag: string, known: readonly string[]) {
  return (value: string): string[] => {
    const names = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !known.includes(n));
    if (names.length === 0 || unknown.length)
      throw new InputError({ file: "command line", field: flag }, `a comma-separated list of ${known.join(", ")}`, JSON.stringify(value));
    return names;
  };
}

/** A whole number >= 0 (`--keep 3`). */
export function parseCount(flag: string) {
  return (value: string): number => {
    const count = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count))
      throw new InputError({ file: "command line", field: flag }, "a whole number >= 0", JSON.stringify(value));
    return count;
  };
}
