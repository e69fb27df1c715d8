import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../assertions/run-result.ts";
import { runCli } from "./test-support/run-cli.ts";

/**
 * A component present at the pinned version that exits at start is a broken stack, not a pass: the
 * checks that go through it fail with the component's own words, and the run exits 1. (An
 * Alertmanager that refuses its flags stands in for any component that rejects what it is given.)
 */
describe("obsconf run conformance: a component that exits at start", () => {
  let dir: string;
  let fake: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-start-failure-"));
    fake = path.join(dir, "alertmanager");
    await writeFile(
      fake,
      [
        "#!/bin/sh",
        'if [ "$1" = "--version" ]; then echo "alertmanager, version 0.28.1 (branch: HEAD, revision: test)"; exit 0; fi',
        'echo "fake alertmanager: error parsing flags: unknown long flag --cluster.listen-address" >&2',
        "exit 1",
        "",
      ].join("\n"),
    );
    await chmod(fake, 0o755);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("should fail the checks that need it with its own error, never pass, and exit 1", async () => {
    const out = path.join(dir, "out");
    const result = await runCli(
      [
        "run",
        "conformance",
        "--runtime",
        "local",
        "--runs-dir",
        path.join(dir, "runs"),
        "--out",
        out,
        "--only",
        "alerts.deadmans-switch",
        "--bin",
        `alertmanager=${fake}`,
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.code).toBe(1);
    const run = JSON.parse(await readFile(path.join(out, "run-result.json"), "utf8")) as RunResult;
    expect(run.verdict).toBe("fail");
    const check = run.checks.find((c) => c.id === "alerts.deadmans-switch");
    expect(check?.status).toBe("fail");
    expect(check?.reason).toContain("fake alertmanager: error parsing flags: unknown long flag --cluster.listen-address");
    expect(run.inventory.find((c) => c.component === "alertmanager")?.runAs).toBe("error");
  }, 150_000);
});
