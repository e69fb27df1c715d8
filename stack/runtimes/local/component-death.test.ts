import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../../../common/poll-until.ts";
import { AlertmanagerClient } from "../../clients/alertmanager-client.ts";
import { PromApiError } from "../../clients/prom-api-error.ts";
import { PrometheusClient } from "../../clients/prometheus-client.ts";
import { ComponentDiedError, componentDeathOf, type ComponentDeath } from "../../started-stack.ts";
import { LocalRuntime } from "./local-runtime.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const BINARIES = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager"];
const skip = BINARIES.every((b) => existsSync(b)) ? undefined : `${BINARIES.filter((b) => !existsSync(b)).join(", ")} not installed`;
if (skip) console.warn(`skipping component death tests: ${skip}`);

async function startStack() {
  const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-death-test-"));
  const runStartedAtMs = Date.now();
  const stack = await LocalRuntime.start({ manifestsDir: MANIFESTS, runsDir, only: ["prometheus", "alertmanager"], readyTimeoutMs: 30_000, runStartedAtMs });
  for (const name of ["prometheus", "alertmanager"]) expect(stack.components().find((c) => c.plan.component === name)?.status.state).toBe("ready");
  return {
    stack,
    runsDir,
    runStartedAtMs,
    [Symbol.asyncDispose]: async () => {
      await stack.stop();
      await rm(runsDir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(skip)("a component that dies during a run", () => {
  it("should be recorded at once with its signal, time since the run started and last log lines, abort its life signal, and fail its client's calls naming it", async () => {
    await using started = await startStack();
    const { stack, runStartedAtMs } = started;
    const seen: ComponentDeath[] = [];
    stack.onDeath((death) => seen.push(death));
    const life = stack.lifeSignal("prometheus");
    await using prometheus = new PrometheusClient({ baseUrl: stack.endpoints().prometheus!.web!.url, lifeSignal: life, timeoutMs: 30_000 });
    await prometheus.query("up");
    const pid = stack.control("prometheus")!.pid()!;
    const killedAtMs = Date.now();
    process.kill(pid, "SIGKILL"); // not through the control surface: as the OOM killer or a crash would

    await pollUntil(
      "the death event",
      async () => seen.length,
      (n) => n > 0,
      { timeoutMs: 3_000, intervalMs: 20 },
    );
    const death = seen[0]!;
    console.log(`prometheus death recorded ${death.atMs - killedAtMs}ms after the SIGKILL; listeners told ${Date.now() - killedAtMs}ms after`);
    expect(death).toMatchObject({ component: "prometheus", pid, exit: { code: null, signal: "SIGKILL" } });
    expect(death.sinceStartMs).toBe(death.atMs - runStartedAtMs);
    expect(death.summary).toBe(`prometheus exited (signal KILL) at ${Math.round(death.sinceStartMs / 1000)} s`);
    expect(death.lastLogLines).toMatch(/Server is ready to receive web requests/);
    expect(stack.deaths()).toEqual([death]);
    expect(life.aborted).toBe(true);
    expect(life.reason).toBeInstanceOf(ComponentDiedError);
    expect(stack.components().find((c) => c.plan.component === "prometheus")?.status).toEqual({
      state: "error",
      error: `${death.summary}; its last output:\n${death.lastLogLines}`,
    });

    const failedAtMs = performance.now();
    const error = await prometheus.query("up").catch((e: unknown) => e);
    expect(performance.now() - failedAtMs).toBeLessThan(100);
    expect(error).toBeInstanceOf(PromApiError);
    expect((error as PromApiError).errorType).toBe("component_died");
    expect((error as PromApiError).message).toContain(`failed: component_died: ${death.summary}; its last output:`);
    expect(componentDeathOf(error)).toBe(death);
    expect(stack.lifeSignal("alertmanager").aborted).toBe(false);
  }, 90_000);

  it("should not count a kill by the control surface (a chaos fault) or the stack's own stop as a death", async () => {
    await using started = await startStack();
    const { stack } = started;
    const seen: ComponentDeath[] = [];
    stack.onDeath((death) => seen.push(death));
    const control = stack.control("alertmanager")!;
    expect(await control.kill()).toEqual({ code: null, signal: "SIGKILL" });
    await control.start();
    await control.waitReady(30_000);
    await using alertmanager = new AlertmanagerClient({ baseUrl: stack.endpoints().alertmanager!.web!.url, lifeSignal: stack.lifeSignal("alertmanager") });
    await alertmanager.status();
    control.signal("SIGTERM");
    await pollUntil(
      "alertmanager exited",
      async () => control.running(),
      (running) => !running,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    await stack.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // a death is told at most 1 s after the exit
    expect({ seen, deaths: stack.deaths(), aborted: stack.lifeSignal("alertmanager").aborted }).toEqual({ seen: [], deaths: [], aborted: false });
  }, 90_000);
});
