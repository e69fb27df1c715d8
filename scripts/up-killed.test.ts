import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../common/poll-until.ts";
import { HOST_STATE_FILE, isRunning, readLedger } from "../stack/index.ts";
import { acceptsTcp, describeProcesses, parseTable, StartedCli } from "./test-support/run-cli.ts";

const BINARIES = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager", "/usr/bin/prometheus-node-exporter"];
const skip = BINARIES.every((b) => existsSync(b)) ? undefined : `${BINARIES.filter((b) => !existsSync(b)).join(", ")} not installed`;
if (skip) console.warn(`skipping the SIGKILLed obsconf up test: ${skip}`);

const READY_LINE = /^obsconf up: \d+ components running\. Press Ctrl-C to stop\.$/;

describe.skipIf(skip)("obsconf up, SIGKILLed (a CI cancel, the OOM killer)", () => {
  let runsDir: string;
  beforeAll(async () => void (runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-up-killed-"))));
  afterAll(async () => rm(runsDir, { recursive: true, force: true }));

  it("should name a component killed under it at once, and leave no process, port or host state of the run within 5 s of its own SIGKILL", async () => {
    await using cli = StartedCli.start(["up", "--runs-dir", runsDir, "--only", "prometheus,alertmanager,node-exporter,loki,tempo"]);
    await cli.waitForLine(READY_LINE, { timeoutMs: 60_000 });
    const runDir = /\nrun directory: (.+) \(config, data and logs of every component\)\n/.exec(cli.stdout)![1]!;
    const endpoints = parseTable(cli.stdout, ["component", "port", "endpoint"]).map((r) => Number(new URL(r.endpoint!).port));
    const ledger = readLedger(path.join(runDir, HOST_STATE_FILE));
    const components = ledger.outstanding.flatMap((t) => (t.kind === "process" ? [t] : []));
    expect(components.map((c) => c.label).sort()).toEqual(["alertmanager", "loki", "node-exporter", "prometheus", "tempo"]);
    const pids = [cli.pid, ...(await cli.descendants())];
    expect(pids).toEqual(expect.arrayContaining(components.map((c) => c.pid)));

    // A component dies under a running obsconf: named at once on stderr, with its signal and time.
    const prometheus = components.find((c) => c.label === "prometheus")!;
    process.kill(prometheus.pid, "SIGKILL");
    const death = await pollUntil(
      "the death line",
      async () => /prometheus exited \(signal KILL\) at \d+ s \(pid \d+\); its last output:/.exec(cli.stderr)?.[0],
      (line) => line !== undefined,
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(death).toContain(`(pid ${prometheus.pid})`);

    const killedAtMs = performance.now();
    cli.signal("SIGKILL");
    expect(await cli.waitForExit({ timeoutMs: 5_000 })).toEqual({ code: null, signal: "SIGKILL" });
    const alive = () => pids.filter(isRunning);
    const gone = await pollUntil(
      "every pid of the run gone",
      async () => alive(),
      (left) => left.length === 0,
      { timeoutMs: 5_000, intervalMs: 50 },
    ).then(
      () => true,
      () => false,
    );
    console.log(`obsconf up SIGKILLed: every process gone ${Math.round(performance.now() - killedAtMs)}ms later`);
    expect(gone ? [] : await describeProcesses(alive())).toEqual([]);
    const open = [];
    for (const port of endpoints) if (await acceptsTcp(port)) open.push(port);
    expect(open).toEqual([]);
    expect(readLedger(path.join(runDir, HOST_STATE_FILE)).outstanding).toEqual([]);
  }, 120_000);
});
