import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../assertions/run-result.ts";
import { runCli } from "./test-support/run-cli.ts";

const RECORDED = path.resolve("assertions/regression/fixtures/load-ci-recorded.json");

async function variant(dir: string, name: string, edit: (run: RunResult) => void): Promise<string> {
  const run = JSON.parse(await readFile(RECORDED, "utf8")) as RunResult;
  run.runId = name;
  edit(run);
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}

const check = (run: RunResult, id: string) => run.checks.find((c) => c.id === id)!;

describe("obsconf report diff", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-diff-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("should exit 1 on a 30 % p99 rise and a 10 % throughput drop, writing the four formats, and 0 within the bands", async () => {
    const slower = await variant(dir, "slower", (run) => {
      const q = check(run, "query.promql").measured!;
      q.distribution!.p99 *= 1.3;
      q.value = q.distribution!.p99;
      const t = check(run, "throughput.metrics").measured!;
      t.value = (t.value as number) * 0.9;
    });
    const out = path.join(dir, "diff-slower");
    const regressed = await runCli(["report", "diff", RECORDED, slower, "--out", out]);
    expect(regressed).toMatchObject({ code: 1, stderr: "" });
    expect(regressed.stdout).toMatch(
      /^REGRESSION: slower against baseline 20261207-124257-i4x2 \(load, ci; bands assertions\/contract.yaml#regression\)\n {2}regression 2 · improvement 0 · within 11 · not compared 0\n/,
    );
    expect(regressed.stdout).toContain("  query.promql: p99 3300 -> 4290 ms (+990 ms, +30 %): rose more than the allowed 660 ms\n");
    expect(regressed.stdout).toContain(
      "  throughput.metrics: accepted 4533 -> 4080 samples/s (-453.3 samples/s, -10 %): below 4307 samples/s, the baseline less 5 %\n",
    );
    expect((await readdir(out)).sort()).toEqual(["diff-junit.xml", "diff.html", "diff.json", "diff.md"]);

    const close = await variant(dir, "close", (run) => {
      const t = check(run, "throughput.metrics").measured!;
      t.value = (t.value as number) * 0.98;
    });
    const within = await runCli(["report", "diff", RECORDED, close, "--out", path.join(dir, "diff-close")]);
    expect(within).toMatchObject({ code: 0, stderr: "" });
    expect(within.stdout).toMatch(/^no regression: close against baseline/);
  });

  it("should exit 2 naming the field when the runs are of different profiles", async () => {
    const small = await variant(dir, "small", (run) => {
      run.profile = "small";
    });
    const result = await runCli(["report", "diff", RECORDED, small, "--out", path.join(dir, "diff-small")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `obsconf: error: ${small}: field profile: expected the baseline's profile "ci" (runs of different profiles offer different volumes; compare like with like), saw "small"\n`,
    );
  });

  it("should refuse run --baseline of another profile with exit 2 before anything starts", async () => {
    const small = await variant(dir, "small-baseline", (run) => {
      run.profile = "small";
    });
    const result = await runCli(["run", "load", "--profile", "ci", "--runtime", "local", "--baseline", small, "--runs-dir", path.join(dir, "runs")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`obsconf: error: ${small}: field profile: expected a baseline of the profile being run (ci), saw "small"\n`);
    await expect(readdir(path.join(dir, "runs"))).rejects.toThrow(/ENOENT/);
  });
});
