import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HOST_STATE_FILE } from "./host-state-ledger.ts";
import { readProcIdentity } from "./host-state-undo.mjs";
import { pruneRuns } from "./prune-runs.ts";

describe("pruneRuns", () => {
  let root: string;
  let runsDir: string;
  let reportsDir: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "obsconf-prune-test-"));
    runsDir = path.join(root, "runs");
    reportsDir = path.join(root, "reports", "out");
    for (const id of ["20250101-000000-aaaa", "20250102-000000-bbbb", "20250103-000000-cccc", "20250104-000000-dddd", "20250105-000000-eeee"]) {
      await mkdir(path.join(runsDir, id, "prometheus"), { recursive: true });
      await mkdir(path.join(reportsDir, id), { recursive: true });
      await writeFile(path.join(reportsDir, id, "report.md"), "# report\n");
    }
    await mkdir(path.join(runsDir, "not-a-run"));
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it("should keep the newest runs and the ones still running or holding host state, and never touch other directories", async () => {
    const me = readProcIdentity(process.pid)!;
    // 0102: its obsconf (this process) still runs; 0101: a namespace still outstanding in its ledger.
    await writeFile(
      path.join(runsDir, "20250102-000000-bbbb", HOST_STATE_FILE),
      `${JSON.stringify({ op: "owner", pid: me.pid, startTicks: me.startTicks, argv: me.argv, runId: "20250102-000000-bbbb", atMs: 0 })}\n`,
    );
    await writeFile(
      path.join(runsDir, "20250101-000000-aaaa", HOST_STATE_FILE),
      `${JSON.stringify({ op: "owner", pid: 1, startTicks: "1", argv: ["gone"], runId: "20250101-000000-aaaa", atMs: 0 })}\n${JSON.stringify({ op: "made", id: "9.1", atMs: 0, kind: "netns", name: "obsconf-abcdef-prometheus" })}\n`,
    );

    const dry = await pruneRuns({ runsDir, reportsDir, keep: 2, dryRun: true });
    expect(dry.map((l) => [l.run, l.action])).toEqual([
      ["20250103-000000-cccc", "would prune"],
      ["20250102-000000-bbbb", "kept"],
      ["20250101-000000-aaaa", "kept"],
    ]);
    expect((await readdir(runsDir)).length).toBe(6);

    const lines = await pruneRuns({ runsDir, reportsDir, keep: 2 });
    expect(lines).toEqual([
      {
        run: "20250103-000000-cccc",
        action: "pruned",
        detail: `${path.join(runsDir, "20250103-000000-cccc")} and ${path.join(reportsDir, "20250103-000000-cccc")}`,
      },
      { run: "20250102-000000-bbbb", action: "kept", detail: `its obsconf (pid ${me.pid}) still runs` },
      { run: "20250101-000000-aaaa", action: "kept", detail: "1 thing(s) still outstanding on the host (obsconf cleanup --runtime local removes them)" },
    ]);
    expect((await readdir(runsDir)).sort()).toEqual([
      "20250101-000000-aaaa",
      "20250102-000000-bbbb",
      "20250104-000000-dddd",
      "20250105-000000-eeee",
      "not-a-run",
    ]);
    expect(existsSync(path.join(reportsDir, "20250103-000000-cccc"))).toBe(false);
    expect(existsSync(path.join(reportsDir, "20250104-000000-dddd", "report.md"))).toBe(true);
  });

  it("should do nothing for a runs directory that does not exist", async () => {
    expect(await pruneRuns({ runsDir: path.join(root, "nowhere"), reportsDir, keep: 0 })).toEqual([]);
  });
});
