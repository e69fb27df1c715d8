import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../common/poll-until.ts";
import { hostCapabilities } from "./index.ts";
import { netnsBlocker } from "./host-capabilities.ts";
import { findLeftovers, NO_LEFTOVERS } from "./test-leftovers.ts";
import { PROMETHEUS_SKIP } from "./test-stack.ts";

const blocker = netnsBlocker(await hostCapabilities());
const skip = PROMETHEUS_SKIP ?? (blocker ? `the aborted-drill test needs namespaces and tmpfs: ${blocker}` : undefined);
if (skip) console.warn(`skipping aborted-drill leftovers test: ${skip}`);

describe.skipIf(skip)("an aborted drill", () => {
  it.each([
    ["interrupted with SIGTERM", "signal", 143],
    ["ended by process.exit without stopping anything", "exit", 7],
  ] as const)("should leave no namespace, veth, rule, tmpfs mount or process behind when %s with faults in force", async (_how, mode, exitCode) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "test-aborted-drill.ts"), mode], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const ready = await new Promise<{ pid: number; netns: string; tmpfs: string[]; runsDir: string; runId: string; runDir: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no READY line within 30000ms (stderr: ${stderr.slice(-500)})`)), 30_000);
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
        const line = /^READY (.*)$/m.exec(stdout);
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line[1]!));
        }
      });
      child.once("exit", (code) => reject(new Error(`child exited (${code}) before READY (stderr: ${stderr.slice(-800)})`)));
    });
    const exited = new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
    if (mode === "signal") {
      const during = await findLeftovers({ runId: ready.runId, runDir: ready.runDir, pids: [ready.pid] });
      expect(during.namespaces).toContain(ready.netns);
      expect(during.tmpfsMounts).toEqual(ready.tmpfs);
      expect(during.processes).toEqual([ready.pid]);
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(exitCode);
    if (mode === "signal") expect(stderr).toContain("obsconf: terminated (SIGTERM): stopping 1 component process(es)...");
    // SIGKILL is sent at exit, not waited for: give the kernel a bounded moment to finish the process.
    const scope = { runId: ready.runId, runDir: ready.runDir, pids: [ready.pid] };
    const after = await pollUntil("no leftovers", () => findLeftovers(scope), (l) => l.processes.length === 0, { timeoutMs: 5_000, intervalMs: 100 }).catch(() => findLeftovers(scope));
    expect(after).toEqual(NO_LEFTOVERS);
    await rm(ready.runsDir, { recursive: true, force: true });
  }, 60_000);
});
