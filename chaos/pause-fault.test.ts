import { describe, expect, it } from "vitest";
import { createFault, parseFaultSpec } from "./index.ts";
import { findLeftovers, leftoverScope, NO_LEFTOVERS, type LeftoverScope } from "./test-leftovers.ts";
import { pushSeqs, readSeqs } from "./test-remote-write.ts";
import { PROMETHEUS_SKIP, startPrometheusStack } from "./test-stack.ts";

if (PROMETHEUS_SKIP) console.warn(`skipping pause fault tests: ${PROMETHEUS_SKIP}`);

describe.skipIf(PROMETHEUS_SKIP)("pause fault (real Prometheus through the local runtime)", () => {
  it("should hold a write unanswered while paused and answer it once healed", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const pids: number[] = [];
    {
      await using p = await startPrometheusStack();
      run = leftoverScope(p);
      pids.push(p.stack.control("prometheus")!.pid()!);
      const startMs = Date.now() - 60_000;
      await using active = await createFault(parseFaultSpec("pause:prometheus", { file: "test" })).inject(p.stack);
      let answered: number | string | undefined;
      const pending = pushSeqs(p.url, "pause", [1, 2, 3], startMs, 15_000).then((status) => (answered = status));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(answered).toBeUndefined();
      await active.heal();
      expect(await pending).toBe(204);
      expect(await readSeqs(p.url, "pause")).toEqual([1, 2, 3]);
    }
    expect(await findLeftovers({ ...run, pids })).toEqual(NO_LEFTOVERS);
  });

  it("should stop a stack whose component is still paused (SIGCONT follows SIGTERM)", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const p = await startPrometheusStack();
    run = leftoverScope(p);
    const pid = p.stack.control("prometheus")!.pid()!;
    await createFault(parseFaultSpec("pause:prometheus", { file: "test" })).inject(p.stack);
    const started = performance.now();
    await p[Symbol.asyncDispose]();
    expect(performance.now() - started).toBeLessThan(5_000); // under the SIGKILL grace: it exited on SIGTERM
    expect(await findLeftovers({ ...run, pids: [pid] })).toEqual(NO_LEFTOVERS);
  });
});
