import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { HarnessError } from "../../../common/errors.ts";
import { systemClock, type Clock } from "../../../common/clock.ts";
import { apiErrorDetail } from "../kube-api/api-error.ts";

/**
 * The k6-operator's TestRun stages (`status.stage`): initialization -> initialized -> created ->
 * started -> stopped -> finished, or `error` (https://github.com/grafana/k6-operator, TestRun
 * status; `error` was added in grafana/k6-operator#169). `finished` and `error` are final.
 */
export const K6_FINAL_STAGES = ["finished", "error"] as const;

export interface TestRunOutcome {
  name: string;
  stage: "finished" | "error";
}

export interface WaitForTestRunsOptions {
  namespace: string;
  names: readonly string[];
  /** The load's duration plus a margin (runner start, graceful stop). */
  timeoutMs: number;
  intervalMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * Polls each TestRun's `status.stage` until every one is `finished` or `error`, within `timeoutMs`.
 * Past that it throws naming each unfinished TestRun and the stage it was last seen in.
 */
export async function waitForTestRuns(kc: KubeConfig, options: WaitForTestRunsOptions): Promise<TestRunOutcome[]> {
  const { namespace, names, timeoutMs, intervalMs = 2_000, clock = systemClock } = options;
  const api = KubernetesObjectApi.makeApiClient(kc);
  const startMs = clock.monotonicMs();
  const last = new Map<string, string>();
  const done = new Map<string, TestRunOutcome>();
  for (;;) {
    for (const name of names) {
      if (done.has(name)) continue;
      try {
        const object = await api.read({ apiVersion: "k6.io/v1alpha1", kind: "TestRun", metadata: { name, namespace } });
        const stage = (object as { status?: { stage?: string } }).status?.stage ?? "(no status yet)";
        last.set(name, stage);
        if (stage === "finished" || stage === "error") done.set(name, { name, stage });
      } catch (error) {
        last.set(name, `unreadable: ${apiErrorDetail(error)}`);
      }
    }
    if (done.size === names.length) return names.map((n) => done.get(n)!);
    const elapsedMs = clock.monotonicMs() - startMs;
    if (elapsedMs >= timeoutMs) {
      const pending = names.filter((n) => !done.has(n)).map((n) => `${n} at stage ${last.get(n) ?? "unknown"}`);
      throw new HarnessError(
        `k6 TestRuns in ${namespace}: expected status.stage finished or error within ${timeoutMs}ms, saw ${pending.join(", ")} after ${Math.round(elapsedMs)}ms`,
      );
    }
    await clock.sleep(Math.min(intervalMs, Math.max(1, timeoutMs - elapsedMs)), options.signal);
  }
}
