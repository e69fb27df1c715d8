import { InputError } from "../../common/errors.ts";

/** `--only` prefixes: which checks, and which groups of checks, a run performs. */
export interface CheckFilter {
  /** A check runs when its id starts with one of the prefixes (all run without `--only`). */
  wanted(id: string): boolean;
  /** A group of checks runs when one of its ids is wanted, or a wanted prefix lies inside the group. */
  wantedGroup(ids: readonly string[]): boolean;
}

/**
 * The filter of `--only`, validated against the ids a scenario can run: a prefix that selects none of
 * them is bad input (a typo in CI must not run nothing and pass), named with the known ids.
 */
export function checkFilter(only: readonly string[] | undefined, known?: { scenario: string; ids: readonly string[] }): CheckFilter {
  if (only && known) {
    const unknown = only.filter((prefix) => !known.ids.some((id) => id.startsWith(prefix) || prefix.startsWith(`${id}.`)));
    if (unknown.length > 0) {
      throw new InputError(
        { file: "command line", field: "--only" },
        `prefixes of the ${known.scenario} checks (${known.ids.join(", ")})`,
        unknown.map((p) => JSON.stringify(p)).join(", "),
      );
    }
  }
  return {
    wanted: (id) => !only || only.some((prefix) => id.startsWith(prefix)),
    wantedGroup: (ids) => !only || ids.some((id) => only.some((prefix) => id.startsWith(prefix) || prefix.startsWith(id))),
  };
}
