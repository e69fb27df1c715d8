import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hostCapabilities } from "./index.ts";
import { netnsBlocker } from "./host-capabilities.ts";
import { findLeftovers, NO_LEFTOVERS } from "./test-leftovers.ts";
import { PROMETHEUS_SKIP } from "./test-stack.ts";

const blocker = netnsBlocker(await hostCapabilities());
const skip = PROMETHEUS_SKIP ?? (blocker ? `the aborted-drill test needs namespaces and tmpfs: ${blocker}` : undefined);
if (skip) console.warn(`skipping aborted-drill leftovers test: ${skip}`);

describe.skipIf(skip)("an aborted drill", () => {
  it("should leave no namespace, veth, rule, tmpfs mount or process behind when interrupted with faults in force", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "test-aborted-drill.ts")], { stdio: ["ignore", "pipe", "pipe"] });
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
    const during = await findLeftovers({ runId: ready.runId, runDir: ready.runDir, pids: [ready.pid] });
    expect(during.namespaces).toContain(ready.netns);
    expect(during.tmpfsMounts).toEqual(ready.tmpfs);
    expect(during.processes).toEqual([ready.pid]);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(stderr).toContain("obsconf: terminated (SIGTERM): stopping 1 component process(es)...");
    expect(await findLeftovers({ runId: ready.runId, runDir: ready.runDir, pids: [ready.pid] })).toEqual(NO_LEFTOVERS);
    await rm(ready.runsDir, { recursive: true, force: true });
  }, 60_000);
});
