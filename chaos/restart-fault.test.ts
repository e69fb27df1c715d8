import { describe, expect, it } from "vitest";
import { pollUntil } from "../common/poll-until.ts";
import { createFault, parseFaultSpec } from "./index.ts";
import { findLeftovers, leftoverScope, NO_LEFTOVERS, type LeftoverScope } from "./test-leftovers.ts";
import { pushSeqs, readSeqs } from "./test-remote-write.ts";
import { PROMETHEUS_SKIP, startPrometheusStack } from "./test-stack.ts";

if (PROMETHEUS_SKIP) console.warn(`skipping restart fault tests: ${PROMETHEUS_SKIP}`);
const seqs = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe.skipIf(PROMETHEUS_SKIP)("restart faults (real Prometheus through the local runtime)", () => {
  it.each([
    ["restart-keep-data", seqs(0, 40)],
    ["restart-lose-data", []],
  ] as const)("%s should SIGKILL and restart Prometheus at once, then read back what its data dir kept", async (kind, expected) => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const pids: number[] = [];
    {
      await using p = await startPrometheusStack();
      run = leftoverScope(p);
      const control = p.stack.control("prometheus")!;
      pids.push(control.pid()!);
      const startMs = Date.now() - 60_000;
      expect(await pushSeqs(p.url, kind, seqs(0, 40), startMs)).toBe(204);
      await using active = await createFault(parseFaultSpec(`${kind}:prometheus`, { file: "test" })).inject(p.stack);
      pids.push(control.pid()!);
      expect(pids[1]).not.toBe(pids[0]);
      await pollUntil(
        "prometheus ready again",
        () =>
          fetch(`${p.url}/-/ready`).then(
            (r) => r.status,
            () => 0,
          ),
        (status) => status === 200,
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      const seenReadyAtMs = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const { healedAtMs, readyAtMs } = await active.heal();
      expect(healedAtMs).toBeGreaterThanOrEqual(active.injectedAtMs);
      expect(readyAtMs).toBeGreaterThanOrEqual(healedAtMs);
      expect(readyAtMs).toBeLessThan(seenReadyAtMs + 1_000); // when it became ready, not when heal asked 1.5 s later
      expect(await readSeqs(p.url, kind)).toEqual(expected);
      expect(await pushSeqs(p.url, kind, [100], startMs)).toBe(204);
    }
    expect(await findLeftovers({ ...run, pids })).toEqual(NO_LEFTOVERS);
  });
});
