import type { CheckResult } from "../../assertions/run-result.ts";

/** `--only` prefixes: which checks, and which groups of checks, a run performs. */
export interface CheckFilter {
  /** A check runs when its id starts with one of the prefixes (all run without `--only`). */
  wanted(id: string): boolean;
  /** A group of checks runs when one of its ids is wanted, or a wanted prefix lies inside the group. */
  wantedGroup(ids: readonly string[]): boolean;
}

export function checkFilter(only: readonly string[] | undefined): CheckFilter {
  return {
    wanted: (id) => !only || only.some((prefix) => id.startsWith(prefix)),
    wantedGroup: (ids) => !only || ids.some((id) => only.some((prefix) => id.startsWith(prefix) || prefix.startsWith(id))),
  };
}

/** What a scenario reports as it goes: a check started, a check done. */
export type CheckProgress = (event: { kind: "start"; id: string } | { kind: "done"; check: CheckResult }) => void;

export interface CheckCollector {
  /** The checks recorded so far, in the order they finished. */
  readonly checks: CheckResult[];
  /** Keeps one check and reports it done. */
  record(check: CheckResult): void;
  /** Runs a group of checks when the filter wants it (reporting each id started), keeping those it wants. */
  track(ids: string[], run: () => Promise<CheckResult | CheckResult[]>): Promise<void>;
}

export function checkCollector(filter: CheckFilter, progress?: CheckProgress): CheckCollector {
  const checks: CheckResult[] = [];
  const record = (check: CheckResult) => {
    checks.push(check);
    progress?.({ kind: "done", check });
  };
  return {
    checks,
    record,
    async track(ids, run) {
      if (!filter.wantedGroup(ids)) return;
      for (const id of ids) progress?.({ kind: "start", id });
      const result = await run();
      for (const check of [result].flat()) if (filter.wanted(check.id)) record(check);
    },
  };
}
