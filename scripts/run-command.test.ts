import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./test-support/run-cli.ts";

const skip = !existsSync("/usr/bin/prometheus");
if (skip) console.warn("skipping obsconf run input tests: /usr/bin/prometheus is not installed (apt-get install prometheus)");

/** Bad query suites are bad input: exit 2, the file and the query named, no report, nothing left running. */
describe.skipIf(skip)("obsconf run conformance: malformed query suites", () => {
  let dir: string;
  beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), "obsconf-suites-"))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const run = async (flag: string, language: string, expr: string) => {
    const file = path.join(dir, `${language}.yaml`);
    await writeFile(file, `suite: ${language}\nqueries:\n  - name: broken\n    expr: '${expr}'\n    range: run\n`);
    const out = path.join(dir, `out-${language}`);
    const result = await runCli(["run", "conformance", "--runs-dir", path.join(dir, "runs"), "--out", out, "--only", `query.${language}`, flag, file], {
      timeoutMs: 90_000,
    });
    return { result, file, out };
  };

  it("should exit 2 naming the LogQL suite file, query and column when the query does not parse, before anything starts", async () => {
    const { result, file, out } = await run("--logql-suite", "logql", '{namespace="ecomm-prod"');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `obsconf: error: ${file}: field queries[0].expr: expected a LogQL expression (query broken), saw "{namespace=\\"ecomm-prod\\"": syntax error at column 24: unexpected end of the expression\n`,
    );
    expect(existsSync(path.join(dir, "runs"))).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.startsWith("out-"))).toEqual([]);
  }, 120_000);

  it("should exit 2 naming the TraceQL suite file, query and column when the query does not parse, before anything starts", async () => {
    const { result, file, out } = await run("--traceql-suite", "traceql", "{ span.http.status_code = }");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `obsconf: error: ${file}: field queries[0].expr: expected a TraceQL expression (query broken), saw "{ span.http.status_code = }": syntax error at column 27: unexpected "}"\n`,
    );
    expect(existsSync(path.join(dir, "runs"))).toBe(false);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it("should exit 2 for an unknown scenario, naming it", async () => {
    const result = await runCli(["run", "soak"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('obsconf: error: command line: field scenario: expected one of conformance, load, chaos, signoff, saw "soak"\n');
  });
});
