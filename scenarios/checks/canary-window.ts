import type { Profile } from "../../assertions/contract.ts";

/**
 * The time box of a canary stream, written once for every canary check: the writer makes `count`
 * writes every `intervalMs` and starts none later than 10 s after the last tick; readers look until
 * the last write's ingestion target (`targetMs`) has passed, plus 5 s.
 */
export function canaryWindow(
  canaries: Profile["canaries"],
  { startedAtMs, targetMs }: { startedAtMs: number; targetMs: number },
): { writer: { count: number; intervalMs: number; deadlineMs: number }; readUntilMs: number } {
  const { count, intervalMs } = canaries;
  return {
    writer: { count, intervalMs, deadlineMs: count * intervalMs + 10_000 },
    readUntilMs: startedAtMs + count * intervalMs + targetMs + 5_000,
  };
}

/** `true` once a started writer's `done` has settled: a reader stops waiting for more writes then. */
export function doneFlag(done: Promise<unknown>): () => boolean {
  let settled = false;
  void done.then(() => (settled = true));
  return () => settled;
}
