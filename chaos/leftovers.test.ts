import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../common/poll-until.ts";
import { HOST_STATE_FILE, isRunning, readLedger } from "../stack/index.ts";
import { hostCapabilities } from "./index.ts";
import { netnsBlocker } from "./host-capabilities.ts";
import { startAbortedDrill, type AbortedDrillReady } from "./test-aborted-drill-child.ts";
import { findLeftovers, NO_LEFTOVERS, type Leftovers } from "./test-leftovers.ts";
import { PROMETHEUS_SKIP } from "./test-stack.ts";

const blocker = netnsBlocker(await hostCapabilities());
const skip = PROMETHEUS_SKIP ?? (blocker ? `the aborted-drill test needs namespaces and tmpfs: ${blocker}` : undefined);
if (skip) console.warn(`skipping aborted-drill leftovers test: ${skip}`);

/** What the run left, polled until clean or `timeoutMs` (SIGKILL and the reaper act asynchronously). */
async function leftoversWithin(ready: AbortedDrillReady, timeoutMs: number): Promise<Leftovers & { reaper: boolean }> {
  const scope = { runId: ready.runId, runDir: ready.runDir, pids: [ready.pid] };
  const probe = async () => ({ ...(await findLeftovers(scope)), reaper: isRunning(ready.reaperPid) });
  return pollUntil("no leftovers", probe, (l) => JSON.stringify(l) === JSON.stringify({ ...NO_LEFTOVERS, reaper: false }), {
    timeoutMs,
    intervalMs: 100,
  }).catch(probe);
}

async function expectInForce(ready: AbortedDrillReady): Promise<void> {
  const during = await findLeftovers({ runId: ready.runId, runDir: ready.runDir, pids: [ready.pid] });
  expect(during.namespaces).toContain(ready.netns);
  expect(during.veths).toContain(ready.veth);
  expect(during.tmpfsMounts).toEqual(ready.tmpfs);
  expect(during.processes).toEqual([ready.pid]);
  expect(isRunning(ready.reaperPid)).toBe(true);
}

describe.skipIf(skip)("an aborted drill", () => {
  it.each([
    ["interrupted with SIGTERM", "signal", 143],
    ["ended by process.exit without stopping anything", "exit", 7],
  ] as const)(
    "should leave no namespace, veth, rule, tmpfs mount or process behind when %s with faults in force",
    async (_how, mode, exitCode) => {
      const { child, ready, stderr, exited } = await startAbortedDrill(mode);
      if (mode === "signal") {
        await expectInForce(ready);
        child.kill("SIGTERM");
      }
      expect((await exited).code).toBe(exitCode);
      if (mode === "signal") expect(stderr()).toContain("obsconf: terminated (SIGTERM): stopping 1 component process(es)...");
      // SIGKILL is sent at exit, not waited for: give the kernel a bounded moment to finish the process.
      expect(await leftoversWithin(ready, 5_000)).toEqual({ ...NO_LEFTOVERS, reaper: false });
      await rm(ready.runsDir, { recursive: true, force: true });
    },
    60_000,
  );

  it("should leave nothing within 5 s when the harness is SIGKILLed (a CI cancel) with a paused Prometheus in a partitioned namespace on a full tmpfs", async () => {
    const { child, ready, exited } = await startAbortedDrill("signal");
    await expectInForce(ready);
    const killedAtMs = performance.now();
    child.kill("SIGKILL");
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
    const after = await leftoversWithin(ready, 5_000);
    console.log(`SIGKILL mid-drill: nothing left after ${Math.round(performance.now() - killedAtMs)}ms`);
    expect(after).toEqual({ ...NO_LEFTOVERS, reaper: false });
    // The reaper recorded what it undid in the run's ledger: nothing is outstanding for `obsconf cleanup`.
    const ledger = readLedger(path.join(ready.runDir, HOST_STATE_FILE));
    expect(ledger.outstanding).toEqual([]);
    await rm(ready.runsDir, { recursive: true, force: true });
  }, 60_000);

  it.each([1, 2, 3, 4, 5])(
    "should finish its cleanup when Ctrl-C is pressed twice 0.5 s apart with a partition and a full disk in force (repetition %i)",
    async () => {
      // slow-stop: the graceful stop lasts >= 4 s (a loaded machine stretches the test's own timers), so the second Ctrl-C surely lands in it.
      const { child, ready, stderr, exited } = await startAbortedDrill("slow-stop");
      await expectInForce(ready);
      child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill("SIGINT");
      expect(await exited).toEqual({ code: 130, signal: null });
      expect(stderr()).toContain("obsconf: interrupted (SIGINT): stopping 1 component process(es)...");
      expect(stderr()).toContain("obsconf: SIGINT again: cleanup is in progress");
      expect(stderr()).not.toContain("forcing the stop");
      expect(await leftoversWithin(ready, 5_000)).toEqual({ ...NO_LEFTOVERS, reaper: false });
      expect(readLedger(path.join(ready.runDir, HOST_STATE_FILE)).outstanding).toEqual([]);
      await rm(ready.runsDir, { recursive: true, force: true });
    },
    60_000,
  );

  it("should force the stop at a third Ctrl-C and still remove the namespace, veth and mount", async () => {
    const { child, ready, stderr, exited } = await startAbortedDrill("slow-stop");
    await expectInForce(ready);
    for (let i = 0; i < 3; i++) {
      child.kill("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await exited).toEqual({ code: 130, signal: null });
    expect(stderr()).toContain("obsconf: SIGINT a third time: forcing the stop: killing 1 process(es) now, then removing namespaces, veths and mounts");
    expect(await leftoversWithin(ready, 5_000)).toEqual({ ...NO_LEFTOVERS, reaper: false });
    await rm(ready.runsDir, { recursive: true, force: true });
  }, 60_000);
});
