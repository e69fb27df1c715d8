import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../common/errors.ts";
import { SUITES_DIR, loadQuerySuite } from "./query-suite.ts";

describe("loadQuerySuite", () => {
  it("should load the LogQL suite: the seed's selectors, a line filter and metric queries over the run", async () => {
    const suite = await loadQuerySuite(path.join(SUITES_DIR, "logql.yaml"), "assertions/suites/logql.yaml");
    expect(suite.language).toBe("logql");
    expect(suite.queries.map((q) => [q.name, q.expr, q.range])).toEqual([
      ["error-logs", '{level="error"}', "run"],
      ["application-logs", '{namespace="ecomm-prod"}', "run"],
      ["frontend-logs", '{service="frontend"}', "run"],
      ["error-line-filter", '{namespace="ecomm-prod"} |= "error"', "run"],
      ["lines-per-minute", 'count_over_time({namespace="ecomm-prod"}[1m])', "run"],
      ["lines-per-minute-by-level", 'sum by (level) (count_over_time({namespace="ecomm-prod"}[1m]))', "run"],
    ]);
    expect(suite.queries[0]).toEqual({
      name: "error-logs",
      expr: '{level="error"}',
      range: "run",
      stepMs: 15_000,
      seed: "Querying Data / Log Queries: Error logs",
    });
  });

  it("should load the TraceQL suite: the seed's service, operation and duration queries plus error lookups", async () => {
    const suite = await loadQuerySuite(path.join(SUITES_DIR, "traceql.yaml"), "assertions/suites/traceql.yaml");
    expect(suite.language).toBe("traceql");
    expect(suite.queries.map((q) => [q.name, q.expr, q.range])).toEqual([
      ["service-frontend", '{ resource.service.name = "frontend" }', "run"],
      ["operation-http-get", '{ name = "HTTP GET" }', "run"],
      ["duration-over-1s", "{ duration > 1s }", "run"],
      ["http-status-500", "{ span.http.status_code = 500 }", "run"],
      ["status-error", "{ status = error }", "run"],
    ]);
  });

  it.each(["promql", "logql", "traceql"] as const)("should accept every query of the shipped %s suite with the local grammar", async (language) => {
    const suite = await loadQuerySuite(path.join(SUITES_DIR, `${language}.yaml`), `assertions/suites/${language}.yaml`, { language });
    expect(suite.queries.length).toBeGreaterThan(0);
  });

  describe("malformed suites", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "obsconf-suite-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function loadText(text: string, options: Parameters<typeof loadQuerySuite>[2] = {}): Promise<unknown> {
      const file = path.join(dir, "suite.yaml");
      await writeFile(file, text);
      return loadQuerySuite(file, "suites/bad.yaml", options).then(
        () => "loaded",
        (error: unknown) => error,
      );
    }

    it.each([
      ["promql", "rate(x[5m]", 'expected a PromQL expression (query broken), saw "rate(x[5m]": syntax error at column 11: unexpected end of the expression'],
      ["promql", "sum by (job) up)", 'expected a PromQL expression (query broken), saw "sum by (job) up)": syntax error at column 14: unexpected "up"'],
      [
        "logql",
        '{namespace="ecomm-prod"',
        'expected a LogQL expression (query broken), saw "{namespace=\\"ecomm-prod\\"": syntax error at column 24: unexpected end of the expression',
      ],
      [
        "traceql",
        "{ span.http.status_code = }",
        'expected a TraceQL expression (query broken), saw "{ span.http.status_code = }": syntax error at column 27: unexpected "}"',
      ],
    ])("should refuse a %s query that does not parse, locally, naming the field, the query and the column", async (language, expr, message) => {
      const error = await loadText(`suite: ${language}\nqueries:\n  - name: broken\n    expr: '${expr}'\n`);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe(`suites/bad.yaml: field queries[0].expr: ${message}`);
    });

    it("should refuse a LogQL suite given where a PromQL suite is expected, naming the suite field", async () => {
      const error = await loadText(`suite: logql\nqueries:\n  - name: errors\n    expr: '{level="error"}'\n`, { language: "promql", flag: "--promql-suite" });
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe(
        'suites/bad.yaml: field suite: expected "promql" (a PromQL suite, as --promql-suite takes), saw "logql" (a LogQL suite)',
      );
    });

    it("should reject a file that is not valid YAML, naming the file and the parser's first line", async () => {
      const error = await loadText('suite: logql\nqueries: [ { name: a, expr: "{level=\\"error\\"}" }\n');
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe(
        "suites/bad.yaml: expected valid YAML, saw Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:",
      );
    });

    it("should reject an empty expression, naming the field", async () => {
      const error = await loadText('suite: traceql\nqueries:\n  - name: service-frontend\n    expr: ""\n');
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe('suites/bad.yaml: field queries[0].expr: expected a query expression, saw ""');
    });
  });
});
