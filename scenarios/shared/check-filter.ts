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
