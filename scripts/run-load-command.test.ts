import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../assertions/run-result.ts";
import { pollUntil } from "../common/poll-until.ts";
import { describeProcesses, isAlive, runCli, StartedCli } from "./test-support/run-cli.ts";

const DURATION_ERROR = (seen: string) =>
  `obsconf: error: command line: field --duration: expected a duration from 1s to 2h, e.g. 90s, 5m or 300 (seconds), saw ${JSON.stringify(seen)}\n`;

describe("obsconf run load: input", () => {
  it.each(["0", "3h", "soon", "-1"])("should exit 2 before starting anything for --duration %j", async (value) => {
    const result = await runCli(["run", "load", "--duration", value]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe(DURATION_ERROR(value));
  });

  it.each(["jmeter", "K6", ""])("should exit 2 before starting anything for --generator %j", async (value) => {
    const result = await runCli(["run", "load", "--generator", value]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe(`obsconf: error: command line: field --generator: expected one of builtin, k6, saw ${JSON.stringify(value)}\n`);
  });

  it("should refuse --generator for conformance, which offers no load", async () => {
    const result = await runCli(["run", "conformance", "--generator", "k6"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe(
      "obsconf: error: command line: field --generator: expected no --generator (it picks the load generator of 'run load'), saw --generator with 'run conformance'\n",
    );
  });

  it("should refuse --duration for conformance, whose durations come from the profile", async () => {
    const result = await runCli(["run", "conformance", "--duration", "30s"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe(
      "obsconf: error: command line: field --duration: expected no --duration (it sets the load window of 'run load'; conformance and chaos durations come from the profile), saw --duration with 'run conformance'\n",
    );
  });

  it("should exit 2 naming the profile for an unknown --profile", async () => {
    const result = await runCli(["run", "load", "--profile", "huge"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe('obsconf: error: assertions/contract.yaml: field profiles: expected one of ci, small, documented, saw "huge"\n');
  });

  it("should document --duration and the load scenario in run --help", async () => {
    const help = await runCli(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, " ")).toContain("scenario conformance | load | chaos");
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      "--duration <d> load only: how long the load runs (1s..2h, e.g. 90s, 5m, or seconds), instead of the profile's load.duration",
    );
  });
});

const binaries = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager"];
const k6OnPath = (process.env.PATH ?? "").split(path.delimiter).some((d) => d !== "" && existsSync(path.join(d, "k6")));
if (k6OnPath) console.warn("skipping the --generator k6 unavailable test: a k6 binary is on PATH here");
const skip = !binaries.every((b) => existsSync(b));
if (skip)
  console.warn(
    `skipping the obsconf run load end-to-end test: ${binaries.filter((b) => !existsSync(b)).join(", ")} not installed (apt-get install prometheus prometheus-alertmanager)`,
  );

/** A short real run (2 s of log load only): the verdict table, the four reports, exit 0, and nothing left running. */
describe.skipIf(skip)("obsconf run load: a short run end to end", () => {
  let dir: string;
  beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), "obsconf-load-"))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("should report offered vs accepted for the logs load, write every report and stop every process it started", async () => {
    const out = path.join(dir, "out");
    await using cli = StartedCli.start(["run", "load", "--duration", "2", "--only", "throughput.logs", "--runs-dir", path.join(dir, "runs"), "--out", out]);
    const seen = new Set<number>();
    let exit: Awaited<typeof cli.exited> | undefined;
    void cli.exited.then((e) => (exit = e));
    while (!exit) {
      for (const pid of await cli.descendants()) seen.add(pid);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(exit, cli.stderr).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toMatch(
      /^SIMULATED {2}throughput\.logs {2}>= 11570 bytes\/s {2}\d+ bytes\/s {2}accepted [\d.]+ bytes\/s >= target 11574\.07 bytes\/s \(offered /m,
    );
    expect(cli.stderr).toMatch(/logs: offering 11574\.07 bytes\/s = 11574\.07\d* bytes\/s x 1/);
    const result = JSON.parse(await readFile(path.join(out, "run-result.json"), "utf8")) as RunResult;
    expect(result.scenario).toBe("load");
    expect(result.checks.map((c) => c.id)).toEqual(["throughput.logs"]);
    const logs = result.checks[0]!;
    expect(logs.measured?.series?.map((s) => s.name)).toEqual(["logs offered", "logs acknowledged (generator's view)", "logs accepted (receiver's counter)"]);
    expect(logs.evidence.map((e) => e.text)).toContain("bound: none, the receiver accepted at least the target");
    expect(result.signOff.blockers).toContain("the load ran --duration 2s (profile ci says 15s)");
    for (const file of ["junit.xml", "report.md", "report.html"]) expect(existsSync(path.join(out, file))).toBe(true);
    // tsx's esbuild service outlives its parent by a moment and is reaped by init: wait (bounded) for every pid to be gone,
    // then list what is left; an exited process init has not reaped yet (state Z, "<defunct>") is not running.
    const gone = await pollUntil(
      "every obsconf pid gone",
      async () => [...seen].filter(isAlive),
      (alive) => alive.length === 0,
      { timeoutMs: 5000, intervalMs: 100 },
    ).then(
      () => true,
      () => false,
    );
    const left = gone ? [] : (await describeProcesses([...seen].filter(isAlive))).filter((row) => row.split(" ")[3]?.startsWith("Z") !== true);
    expect(left).toEqual([]);
  }, 120_000);

  it.skipIf(k6OnPath)(
    "should report every throughput check unavailable with runK6's reason when --generator k6 finds no k6 binary, and not pass a run that ran nothing",
    async () => {
      const out = path.join(dir, "out-k6");
      const result = await runCli(
        ["run", "load", "--generator", "k6", "--duration", "2s", "--only", "throughput.", "--runs-dir", path.join(dir, "runs"), "--out", out],
        { timeoutMs: 90_000 },
      );
      expect(result.code, result.stderr).toBe(1);
      const run = JSON.parse(await readFile(path.join(out, "run-result.json"), "utf8")) as RunResult;
      expect([run.verdict, run.verdictReason]).toEqual(["fail", "no check ran against anything (3 unavailable, 0 unsupported)"]);
      expect(run.checks.map((c) => [c.id, c.status, c.reason]).sort()).toEqual(
        ["logs", "metrics", "traces"].map((s) => [
          `throughput.${s}`,
          "unavailable",
          "--generator k6: no k6 binary on PATH (build one with the xk6 extensions: load/k6/README.md)",
        ]),
      );
      expect(run.checks.some((c) => c.status === "pass")).toBe(false);
      expect(result.stderr).toContain("k6: no k6 binary on PATH (build one with the xk6 extensions: load/k6/README.md); every throughput check is unavailable");
    },
    120_000,
  );

  it("should exit 2 naming the suite file and query, with no report, when a query of the load's suites is malformed", async () => {
    const file = path.join(dir, "logql.yaml");
    await writeFile(file, "suite: logql\nqueries:\n  - name: broken\n    expr: '{namespace=\"ecomm-prod\"'\n    range: run\n");
    const out = path.join(dir, "out-bad-suite");
    const result = await runCli(
      ["run", "load", "--duration", "2", "--only", "query.logql", "--logql-suite", file, "--runs-dir", path.join(dir, "runs"), "--out", out],
      { timeoutMs: 90_000 },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `obsconf: error: ${file}: field queries[0].expr: expected a LogQL expression (query broken), saw "{namespace=\\"ecomm-prod\\"": syntax error at column 24: unexpected end of the expression\n`,
    );
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
