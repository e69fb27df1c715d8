import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../common/poll-until.ts";
import type { RunResult } from "../assertions/run-result.ts";
import { StartedCli } from "./test-support/run-cli.ts";

const skip = !existsSync("/usr/bin/prometheus"); // the run uses the provisioned one when there is one; Debian's is the floor
if (skip) console.warn("skipping the component-death run test: /usr/bin/prometheus is not installed (apt-get install prometheus)");

/** A stack component that dies during a run is a stack failure: exit 1, and every check it affects names the death. */
describe.skipIf(skip)("obsconf run conformance: Prometheus killed mid-run", () => {
  let dir: string;
  beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), "obsconf-death-"))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("should end at once with exit 1 and the death (signal, time, last output) as the reason of the checks that go through Prometheus", async () => {
    const out = path.join(dir, "out");
    await using cli = StartedCli.start([
      "run",
      "conformance",
      "--runtime",
      "local",
      "--runs-dir",
      path.join(dir, "runs"),
      "--out",
      out,
      "--only",
      "metrics.ingestion.push,config.alertmanager.routes",
    ]);
    await pollUntil(
      "the push canary running",
      async () => cli.stderr,
      (text) => text.includes("running metrics.ingestion.push"),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const prometheus = await pollUntil(
      "the run's prometheus process",
      async () => {
        for (const pid of await cli.descendants()) {
          const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
          if (/(^|\/)prometheus$/.test(cmdline.split("\0")[0] ?? "")) return pid;
        }
        return undefined;
      },
      (pid) => pid !== undefined,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    process.kill(prometheus!, "SIGKILL");
    const killedAtMs = cli.elapsedMs();
    const exit = await cli.waitForExit({ timeoutMs: 60_000 });
    expect(exit.code).toBe(1);
    expect(cli.elapsedMs() - killedAtMs).toBeLessThan(30_000);
    expect(cli.stderr).toMatch(/prometheus exited \(signal KILL\) at \d+ s \(pid \d+\); its last output:/);
    const result = JSON.parse(await readFile(path.join(out, "run-result.json"), "utf8")) as RunResult;
    expect(result.verdict).toBe("fail");
    const push = result.checks.find((c) => c.id === "metrics.ingestion.push")!;
    expect(push.status).toBe("fail");
    expect(push.reason).toMatch(/^prometheus exited \(signal KILL\) at \d+ s; its last output:\n.+/s);
    expect(result.checks.find((c) => c.id === "config.alertmanager.routes")?.status).toBe("pass");
    expect(result.inventory.find((c) => c.component === "prometheus")).toMatchObject({
      runAs: "error",
      reason: expect.stringMatching(/^prometheus exited \(signal KILL\)/),
    });
  }, 120_000);
});
