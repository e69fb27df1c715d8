import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../common/poll-until.ts";
import { startAbortedDrill } from "../chaos/test-aborted-drill-child.ts";
import { findLeftovers, NO_LEFTOVERS } from "../chaos/test-leftovers.ts";
import { hostCapabilities } from "../chaos/index.ts";
import { netnsBlocker } from "../chaos/host-capabilities.ts";
import { PROMETHEUS_SKIP } from "../chaos/test-stack.ts";
import { HOST_STATE_FILE, isRunning, readLedger, readProcIdentity } from "../stack/index.ts";
import { parseTable, runCli } from "./test-support/run-cli.ts";

const blocker = netnsBlocker(await hostCapabilities());
const skipOrphan = PROMETHEUS_SKIP ?? (blocker ? `needs namespaces and tmpfs: ${blocker}` : undefined);
if (skipOrphan) console.warn(`skipping the orphaned-run cleanup test: ${skipOrphan}`);

/** The aborted drill run as a harness from before the reaper and the parent-death signal existed. */
const ORPHANABLE = { OBSCONF_REAPER: "off", OBSCONF_PDEATHSIG: "off" };

type Row = Record<string, string>;
const HEADERS = ["runtime", "run", "what", "action", "detail"];
/** The cleanup table's rows of one run (other runs' leftovers on a shared machine are listed too, as kept). */
const rowsOf = (stdout: string, run: string): Row[] =>
  stdout.startsWith("nothing to clean up") ? [] : parseTable(stdout, HEADERS).filter((r) => r.run === run);

describe("obsconf cleanup --runtime local", () => {
  it.skipIf(skipOrphan)(
    "should list, then remove, what a SIGKILLed run started without the reaper left: its process, namespace, veth and tmpfs mount",
    async () => {
      const { child, ready, exited } = await startAbortedDrill("signal", ORPHANABLE);
      child.kill("SIGKILL");
      await exited;
      const scope = { runId: ready.runId, runDir: ready.runDir, pids: [ready.pid] };
      try {
        // Without the reaper and the parent-death signal, the run's host state outlives its harness (the paused Prometheus too).
        const orphaned = await findLeftovers(scope);
        expect(orphaned).toMatchObject({ namespaces: [ready.netns], veths: [ready.veth], tmpfsMounts: ready.tmpfs, processes: [ready.pid] });

        const dry = await runCli(["cleanup", "--runtime", "local", "--runs-dir", ready.runsDir, "--dry-run"]);
        expect(dry.code).toBe(0);
        expect(rowsOf(dry.stdout, ready.runId).map((r) => [r.what, r.action])).toEqual([
          [`process prometheus (pid ${ready.pid})`, "would kill"],
          [`veth ${ready.veth}`, "would remove"],
          [`network namespace ${ready.netns}`, "would remove"],
          ...ready.tmpfs.map((m) => [`mount ${m}`, "would unmount"]),
        ]);
        expect(await findLeftovers(scope)).toEqual(orphaned);

        const startedAtMs = performance.now();
        const real = await runCli(["cleanup", "--runtime", "local", "--runs-dir", ready.runsDir]);
        console.log(`obsconf cleanup --runtime local: ${Math.round(performance.now() - startedAtMs)}ms`);
        expect({ code: real.code, stderr: real.stderr }).toEqual({ code: 0, stderr: "" });
        expect(rowsOf(real.stdout, ready.runId).map((r) => [r.what, r.action])).toEqual([
          [`process prometheus (pid ${ready.pid})`, "killed"],
          [`veth ${ready.veth}`, "removed"],
          [`network namespace ${ready.netns}`, "removed"],
          ...ready.tmpfs.map((m) => [`mount ${m}`, "unmounted"]),
        ]);
        expect(
          await pollUntil(
            "nothing left",
            () => findLeftovers(scope),
            (l) => l.processes.length === 0,
            { timeoutMs: 5_000, intervalMs: 100 },
          ),
        ).toEqual(NO_LEFTOVERS);
        expect(readLedger(path.join(ready.runDir, HOST_STATE_FILE)).outstanding).toEqual([]);

        const again = await runCli(["cleanup", "--runtime", "local", "--runs-dir", ready.runsDir]);
        expect(rowsOf(again.stdout, ready.runId)).toEqual([]);
      } finally {
        if (isRunning(ready.pid)) process.kill(-ready.pid, "SIGKILL");
        await runCli(["cleanup", "--runtime", "local", "--runs-dir", ready.runsDir]).catch(() => undefined);
        await rm(ready.runsDir, { recursive: true, force: true });
      }
    },
    90_000,
  );

  it("should refuse to kill a recycled pid whose start time or command line differ from the record", async () => {
    const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-cleanup-test-"));
    const stranger = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      const me = readProcIdentity(stranger.pid!)!;
      const runId = "20240101-000000-test";
      await mkdir(path.join(runsDir, runId), { recursive: true });
      // The run's harness is long gone (pid 1's start time is never this), and its pids now belong to `sleep`.
      const lines = [
        { op: "owner", pid: 1, startTicks: "1", argv: ["node", "bin/obsconf.mjs", "run", "conformance"], runId, atMs: 0 },
        {
          op: "made",
          id: "1.1",
          atMs: 0,
          kind: "process",
          label: "prometheus",
          pid: stranger.pid,
          startTicks: me.startTicks,
          argv: ["/usr/bin/prometheus", "--config.file=/etc/prometheus/prometheus.yml"],
          group: true,
        },
        {
          op: "made",
          id: "1.2",
          atMs: 0,
          kind: "process",
          label: "alertmanager",
          pid: stranger.pid,
          startTicks: String(Number(me.startTicks) - 1),
          argv: ["sleep", "60"],
          group: true,
        },
      ];
      await writeFile(path.join(runsDir, runId, HOST_STATE_FILE), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
      const result = await runCli(["cleanup", "--runtime", "local", "--runs-dir", runsDir]);
      expect(result.code).toBe(0);
      expect(rowsOf(result.stdout, runId).map((r) => [r.what, r.action, r.detail])).toEqual([
        [
          `process alertmanager (pid ${stranger.pid})`,
          "kept",
          `pid ${stranger.pid} is another process now (started at tick ${me.startTicks}, recorded tick ${Number(me.startTicks) - 1}): not killed`,
        ],
        [
          `process prometheus (pid ${stranger.pid})`,
          "kept",
          `pid ${stranger.pid} is another process now (runs "sleep 60", recorded "/usr/bin/prometheus --config.file=/etc/prometheus/prometheus.yml"): not killed`,
        ],
      ]);
      expect(isRunning(stranger.pid!)).toBe(true);
    } finally {
      stranger.kill("SIGKILL");
      await rm(runsDir, { recursive: true, force: true });
    }
  }, 30_000);
});
