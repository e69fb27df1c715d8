export * from "./run-diff.ts";
export { diffRuns, bandKindOf, targetPathOf, type DiffRunsInput } from "./diff-runs.ts";
