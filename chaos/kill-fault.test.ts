import { describe, expect, it } from "vitest";
import { createFault, parseFaultSpec } from "./index.ts";
import { findLeftovers, leftoverScope, NO_LEFTOVERS, type LeftoverScope } from "./test-leftovers.ts";
import { pushSeqs, readSeqs } from "./test-remote-write.ts";
import { PROMETHEUS_SKIP, startPrometheusStack } from "./test-stack.ts";

if (PROMETHEUS_SKIP) console.warn(`skipping kill fault tests: ${PROMETHEUS_SKIP}`);
const seqs = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe.skipIf(PROMETHEUS_SKIP)("kill fault (real Prometheus through the local runtime)", () => {
  it("should keep Prometheus down until heal, then restart it on the same port with its WAL: every acknowledged sample reads back", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const fault = createFault(parseFaultSpec("kill:prometheus", { file: "test" }));
    expect(await fault.preflight()).toEqual({
      status: "supported",
      how: "SIGKILL to prometheus's process group; heal restarts it with the same flags, ports and data dir",
      needs: [],
    });
    const pids: number[] = [];
    {
      await using p = await startPrometheusStack();
      run = leftoverScope(p);
      const control = p.stack.control("prometheus")!;
      pids.push(control.pid()!);
      const startMs = Date.now() - 60_000;
      expect(await pushSeqs(p.url, "kill", seqs(0, 50), startMs)).toBe(204);
      await using active = await fault.inject(p.stack);
      expect(control.running()).toBe(false);
      expect(await findLeftovers({ ...run, pids })).toMatchObject({ processes: [] });
      expect(await pushSeqs(p.url, "kill", [50], startMs, 1_000)).toMatch(/^error: /);
      const healed = await active.heal();
      pids.push(control.pid()!);
      expect(pids[1]).not.toBe(pids[0]);
      expect(healed.healedAtMs).toBeGreaterThanOrEqual(active.injectedAtMs);
      expect(healed.readyAtMs).toBeGreaterThanOrEqual(healed.healedAtMs);
      expect(active.healedAtMs()).toBe(healed.healedAtMs);
      expect(await readSeqs(p.url, "kill")).toEqual(seqs(0, 50));
      expect(await active.heal()).toEqual(healed);
      expect(p.stack.components().find((c) => c.plan.component === "prometheus")!.status).toMatchObject({ state: "ready", pid: pids[1] });
    }
    expect(await findLeftovers({ ...run, pids })).toEqual(NO_LEFTOVERS);
  });

  it("should not restart a killed component once its stack has stopped (heal after stop)", async () => {
    const p = await startPrometheusStack();
    const control = p.stack.control("prometheus")!;
    const active = await createFault(parseFaultSpec("kill:prometheus", { file: "test" })).inject(p.stack);
    await p[Symbol.asyncDispose]();
    expect(control.stopping()).toBe(true);
    expect(await active.heal()).not.toHaveProperty("readyAtMs");
    expect(control.running()).toBe(false);
    await expect(control.start()).rejects.toThrow("prometheus not started again: its stack is stopping");
  });

  it("should report a component that is not started as a harness error naming what is started", async () => {
    await using p = await startPrometheusStack();
    await expect(createFault(parseFaultSpec("kill:alertmanager", { file: "test" })).inject(p.stack)).rejects.toThrow(
      "kill:alertmanager: component alertmanager is not started in this stack (started: prometheus)",
    );
  });

  it("should be unsupported, with the reason, on a k8s runtime", async () => {
    expect(await createFault(parseFaultSpec("kill:prometheus", { file: "test" })).preflight({ runtime: "k3s" })).toEqual({
      status: "unsupported",
      reason: "runtime k3s: kill (pod delete) is implemented for the local runtime only (k8s pod-level faults are not built yet)",
    });
  });
});
