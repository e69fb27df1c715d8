import { describe, expect, it } from "vitest";
import { parseLogQL } from "./logql-parser.ts";

const errorOf = (query: string): string => {
  try {
    parseLogQL(query);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected ${query} to be refused`);
};

describe("parseLogQL", () => {
  it("should parse a selector with every matcher operator and chained line filters", () => {
    const expr = parseLogQL(
      `{service="checkout", level!="debug", namespace=~"ecomm-.*", pod!~"canary-.+"} |= "order" != "retry" |~ "seq=4[0-9]" !~ "(?i)DECLINED"`,
    );
    expect(expr.kind).toBe("log");
    if (expr.kind !== "log") return;
    expect(expr.matchers.map((m) => [m.name, m.op, m.value])).toEqual([
      ["service", "=", "checkout"],
      ["level", "!=", "debug"],
      ["namespace", "=~", "ecomm-.*"],
      ["pod", "!~", "canary-.+"],
    ]);
    expect(expr.filters.map((f) => [f.op, f.value])).toEqual([
      ["|=", "order"],
      ["!=", "retry"],
      ["|~", "seq=4[0-9]"],
      ["!~", "(?i)DECLINED"],
    ]);
    expect(expr.filters[3]!.regexp!.test("payment declined")).toBe(true);
  });

  it("should anchor label regexps and leave line regexps unanchored", () => {
    const expr = parseLogQL(`{namespace=~"ecomm"} |~ "comm"`);
    if (expr.kind !== "log") throw new Error("expected a log query");
    expect(expr.matchers[0]!.regexp!.test("ecomm-prod")).toBe(false);
    expect(expr.filters[0]!.regexp!.test("ecomm-prod")).toBe(true);
  });

  it("should parse range aggregations with filters before or after the range", () => {
    expect(parseLogQL(`rate({a="b"} |= "x" [5m])`)).toMatchObject({
      kind: "range",
      op: "rate",
      rangeNs: 300_000_000_000n,
      selector: { filters: [{ op: "|=", value: "x" }] },
    });
    expect(parseLogQL(`count_over_time({a="b"}[1h30m] |= "x")`)).toMatchObject({
      kind: "range",
      op: "count_over_time",
      rangeNs: 5_400_000_000_000n,
      selector: { filters: [{ value: "x" }] },
    });
  });

  it("should parse sum with the grouping before, after or absent", () => {
    expect(parseLogQL(`sum by (level, service) (count_over_time({a="b"}[1m]))`)).toMatchObject({
      kind: "vector",
      op: "sum",
      by: ["level", "service"],
      inner: { kind: "range" },
    });
    expect(parseLogQL(`sum(rate({a="b"}[1m])) by (level)`)).toMatchObject({ kind: "vector", by: ["level"] });
    expect(parseLogQL(`sum(count_over_time({a="b"}[1m]))`)).not.toHaveProperty("by");
    expect(parseLogQL(`sum(sum by (a) (count_over_time({a="b"}[1m])))`)).toMatchObject({ inner: { kind: "vector", by: ["a"] } });
  });

  it("should word syntax errors like Loki 2.8 (peer query-invalid-logql-400 and -missing-range-400)", () => {
    expect(errorOf(`{service="checkout"`)).toBe("parse error at line 1, col 20: syntax error: unexpected $end, expecting } or ,");
    expect(errorOf(`count_over_time({service="checkout"})`)).toBe("parse error at line 1, col 37: syntax error: unexpected )");
    expect(errorOf(`{service}`)).toBe("parse error at line 1, col 9: syntax error: unexpected }, expecting = or != or =~ or !~");
    expect(errorOf(`{service="checkout"} |= ok`)).toBe("parse error at line 1, col 25: syntax error: unexpected IDENTIFIER, expecting STRING");
    expect(errorOf(`{service="checkout`)).toBe("parse error at line 1, col 10: literal not terminated");
    expect(errorOf(`count_over_time({a="b"}[5x])`)).toBe(`parse error at line 1, col 24: not a valid duration string: "5x"`);
    expect(errorOf(``)).toBe("parse error at line 1, col 1: syntax error: unexpected $end");
    expect(errorOf(`{a=""}`)).toBe(
      `parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will`,
    );
  });

  it("should name the unsupported part of valid LogQL outside the subset", () => {
    const unsupported = (part: string) => `unsupported LogQL in the obsconf reference sink: ${part}`;
    expect(errorOf(`{service="checkout"} | json`)).toBe(unsupported(`parser stage "| json"`));
    expect(errorOf(`{service="checkout"} |= "x" | logfmt | level="error"`)).toBe(unsupported(`parser stage "| logfmt"`));
    expect(errorOf(`{service="checkout"} | level="error"`)).toBe(unsupported(`label filter "| level"`));
    expect(errorOf(`{service="checkout"} | line_format "{{.msg}}"`)).toBe(unsupported(`formatting stage "| line_format"`));
    expect(errorOf(`sum_over_time({a="b"} | unwrap bytes [1m])`)).toBe(unsupported(`range aggregation "sum_over_time"`));
    expect(errorOf(`bytes_over_time({a="b"}[1m])`)).toBe(unsupported(`range aggregation "bytes_over_time"`));
    expect(errorOf(`avg(rate({a="b"}[1m]))`)).toBe(unsupported(`vector aggregation "avg"`));
    expect(errorOf(`topk(3, rate({a="b"}[1m]))`)).toBe(unsupported(`vector aggregation "topk"`));
    expect(errorOf(`sum without (a) (rate({a="b"}[1m]))`)).toBe(unsupported(`grouping "without"`));
    expect(errorOf(`rate({a="b"}[1m]) > 2`)).toBe(unsupported(`binary operator ">"`));
    expect(errorOf(`sum(rate({a="b"}[1m])) / sum(rate({c="d"}[1m]))`)).toBe(unsupported(`binary operator "/"`));
    expect(errorOf(`rate({a="b"}[1m] offset 5m)`)).toBe(unsupported(`"offset" modifier`));
  });
});
