import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./test-support/run-cli.ts";

/**
 * Bad input is refused before anything starts: exit 2, the exact reason, no run directory, no report, no process.
 * How long a refusal takes is printed, not asserted (timings are the bench's; a loaded machine is slower).
 */
describe("obsconf run / up: input checked before anything starts", () => {
  let dir: string;
  let runs: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-refusals-"));
    runs = path.join(dir, "runs");
    await writeFile(path.join(dir, "a-file"), "not a directory\n");
    await mkdir(path.join(dir, "existing-report"));
    await writeFile(path.join(dir, "bad-promql.yaml"), "suite: promql\nqueries:\n  - name: broken\n    expr: 'sum(rate(http_requests_total[5m])'\n");
    await writeFile(path.join(dir, "logql.yaml"), "suite: logql\nqueries:\n  - name: errors\n    expr: '{level=\"error\"}'\n    range: run\n");
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  /** Runs obsconf and checks nothing was made: no runs directory, no report directory, no component started. */
  async function refused(args: string[]): Promise<{ stderr: string; elapsedMs: number }> {
    const startedAtMs = performance.now();
    const result = await runCli(args, { timeoutMs: 60_000 });
    const elapsedMs = Math.round(performance.now() - startedAtMs);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: "" });
    expect(existsSync(runs)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(["a-file", "bad-promql.yaml", "existing-report", "logql.yaml"]);
    expect(await readdir(path.join(dir, "existing-report"))).toEqual([]);
    expect(result.stderr).not.toMatch(/starting|runtime:/);
    return { stderr: result.stderr, elapsedMs };
  }

  it("should refuse --out at an existing file", async () => {
    const out = path.join(dir, "a-file");
    const { stderr, elapsedMs } = await refused(["run", "conformance", "--runs-dir", runs, "--out", out]);
    console.log(`--out at an existing file refused after ${elapsedMs}ms`);
    expect(stderr).toBe(
      `obsconf: error: command line: field --out: expected a directory that does not exist yet (reports are never written over), under a writable directory, saw "${out}", which is an existing file\n`,
    );
  });

  it("should refuse a malformed PromQL suite in under 3 s, naming the file, the query and the column", async () => {
    const file = path.join(dir, "bad-promql.yaml");
    const { stderr, elapsedMs } = await refused(["run", "conformance", "--runs-dir", runs, "--out", path.join(dir, "out"), "--promql-suite", file]);
    console.log(`malformed PromQL suite refused after ${elapsedMs}ms`);
    expect(stderr).toBe(
      `obsconf: error: ${file}: field queries[0].expr: expected a PromQL expression (query broken), saw "sum(rate(http_requests_total[5m])": syntax error at column 34: unexpected end of the expression\n`,
    );
  });

  it("should refuse an --only prefix that selects no check in under 3 s, naming it and the known checks", async () => {
    const { stderr, elapsedMs } = await refused(["run", "conformance", "--runs-dir", runs, "--out", path.join(dir, "out"), "--only", "metrics.,nonexistent"]);
    console.log(`--only nonexistent refused after ${elapsedMs}ms`);
    expect(stderr).toMatch(
      /^obsconf: error: command line: field --only: expected prefixes of the obsconf checks \(config\.prometheus\.retention, .*\), saw "nonexistent"\n$/,
    );
  });

  it("should refuse an --only prefix of another scenario's checks once the scenario is known", async () => {
    const { stderr } = await refused(["run", "conformance", "--runs-dir", runs, "--out", path.join(dir, "out"), "--only", "throughput."]);
    expect(stderr).toMatch(/^obsconf: error: command line: field --only: expected prefixes of the conformance checks \(.*\), saw "throughput\."\n$/);
    expect(stderr).not.toContain("throughput.metrics,");
  });

  it("should refuse a LogQL suite given to --promql-suite, naming the suite field", async () => {
    const file = path.join(dir, "logql.yaml");
    const { stderr } = await refused(["run", "load", "--runs-dir", runs, "--promql-suite", file]);
    expect(stderr).toBe(`obsconf: error: ${file}: field suite: expected "promql" (a PromQL suite, as --promql-suite takes), saw "logql" (a LogQL suite)\n`);
  });

  it.each([
    [
      ["run", "conformance", "--out", "DIR/existing-report"],
      'command line: field --out: expected a directory that does not exist yet (reports are never written over), under a writable directory, saw "DIR/existing-report", which is an existing directory',
    ],
    [
      ["run", "conformance", "--out", "DIR/a-file/report"],
      'command line: field --out: expected a directory that does not exist yet (reports are never written over), under a writable directory, saw "DIR/a-file/report", under "DIR/a-file", which is a file',
    ],
    [
      ["up", "--runs-dir", "DIR/a-file"],
      'command line: field --runs-dir: expected a writable directory, or one that can be created, saw "DIR/a-file", which is a file',
    ],
    [
      ["run", "chaos", "--runs-dir", "DIR/a-file/runs"],
      'command line: field --runs-dir: expected a writable directory, or one that can be created, saw "DIR/a-file/runs", under "DIR/a-file", which is a file',
    ],
    [["up", "--bin", "loki=/nonexistent"], 'command line: field --bin: expected an executable file for loki, saw "/nonexistent", which does not exist'],
    [
      ["run", "conformance", "--bin", "prometheus=DIR"],
      'command line: field --bin: expected an executable file for prometheus, saw "DIR", which is a directory',
    ],
  ])("should refuse %j", async (args, message) => {
    const withDir = (text: string) => text.replaceAll("DIR", dir);
    const { stderr } = await refused([...args.map(withDir), ...(args.includes("--runs-dir") ? [] : ["--runs-dir", runs])]);
    expect(stderr).toBe(`obsconf: error: ${withDir(message)}\n`);
  });

  it("should refuse a --bin name that is no component or tool, listing the known names", async () => {
    const { stderr } = await refused(["up", "--runs-dir", runs, "--bin", "nosuch=/bin/true"]);
    expect(stderr).toBe(
      'obsconf: error: command line: field --bin: expected a component or tool name (prometheus, mimir, node-exporter, kube-state-metrics, loki, promtail, vector, tempo, otel-collector, grafana, alertmanager, kafka, victoria-metrics, promtool, amtool, k6) before \'=\', saw "nosuch" in "nosuch=/bin/true"\n',
    );
  });
});
