import { LogQLParseError, LogQLUnsupportedError } from "./logql-errors.ts";
import { lexLogQL, parseDurationNs, RANGE_AGGREGATIONS, tokenName, VECTOR_AGGREGATIONS, type Token, type TokenKind } from "./logql-lexer.ts";
import { compileGoRegexp } from "./go-regexp.ts";

/**
 * The LogQL subset of the reference sink: stream selectors (`=`, `!=`, `=~`, `!~`), chained line
 * filters (`|=`, `!=`, `|~`, `!~`), `count_over_time` and `rate` over them, and `sum` with an
 * optional `by (...)` grouping. Everything else valid in LogQL is a `LogQLUnsupportedError` naming the
 * part; invalid syntax is a `LogQLParseError` worded like Loki 2.8's goyacc parser.
 */
export type MatchOp = "=" | "!=" | "=~" | "!~";
export type FilterOp = "|=" | "!=" | "|~" | "!~";

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  readonly regexp?: RegExp;
}
export interface LineFilter {
  readonly op: FilterOp;
  readonly value: string;
  readonly regexp?: RegExp;
}

export interface LogSelectorExpr {
  readonly kind: "log";
  readonly matchers: readonly LabelMatcher[];
  readonly filters: readonly LineFilter[];
}
export interface RangeAggregationExpr {
  readonly kind: "range";
  readonly op: "count_over_time" | "rate";
  readonly selector: LogSelectorExpr;
  readonly rangeNs: bigint;
}
export interface VectorAggregationExpr {
  readonly kind: "vector";
  readonly op: "sum";
  /** Label names of `by (...)`; undefined without a grouping (everything sums to one series). */
  readonly by?: readonly string[];
  readonly inner: MetricExpr;
}
export type MetricExpr = RangeAggregationExpr | VectorAggregationExpr;
export type LogQLExpr = LogSelectorExpr | MetricExpr;

const MATCH_OPS: readonly TokenKind[] = ["=", "!=", "=~", "!~"];
const FILTER_OPS: readonly TokenKind[] = ["|=", "!=", "|~", "!~"];
const PARSER_STAGES = new Set(["json", "logfmt", "regexp", "pattern", "unpack"]);
const FORMAT_STAGES = new Set(["line_format", "label_format"]);
const OTHER_STAGES = new Set(["unwrap", "decolorize", "drop", "keep", "distinct"]);

export function parseLogQL(query: string): LogQLExpr {
  return new Parser(lexLogQL(query)).parseQuery();
}

class Parser {
  #at = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parseQuery(): LogQLExpr {
    const expr = this.#expr();
    this.#rejectBinaryOperator();
    if (this.#peek().kind !== "$end") this.#unexpected(this.#peek());
    return expr;
  }

  #expr(): LogQLExpr {
    const t = this.#peek();
    if (t.kind === "{") return this.#logExpr();
    if (t.kind === "(") {
      this.#next();
      const inner = this.#expr();
      this.#rejectBinaryOperator();
      this.#expect(")");
      return inner;
    }
    if (t.kind === "FUNCTION") return this.#function();
    return this.#unexpected(t);
  }

  #metricExpr(): MetricExpr {
    const t = this.#peek();
    if (t.kind === "(") {
      this.#next();
      const inner = this.#metricExpr();
      this.#rejectBinaryOperator();
      this.#expect(")");
      return inner;
    }
    if (t.kind !== "FUNCTION") return this.#unexpected(t);
    return this.#function();
  }

  #function(): MetricExpr {
    const name = this.#next();
    if (RANGE_AGGREGATIONS.has(name.text)) {
      if (name.text !== "count_over_time" && name.text !== "rate") throw new LogQLUnsupportedError(`range aggregation "${name.text}"`);
      return this.#rangeAggregation(name.text);
    }
    if (VECTOR_AGGREGATIONS.has(name.text)) {
      if (name.text !== "sum") throw new LogQLUnsupportedError(`vector aggregation "${name.text}"`);
      return this.#sum();
    }
    throw new LogQLUnsupportedError(`function "${name.text}"`);
  }

  #rangeAggregation(op: "count_over_time" | "rate"): RangeAggregationExpr {
    this.#expect("(");
    let selector: LogSelectorExpr;
    if (this.#peek().kind === "(") {
      this.#next();
      selector = this.#logExpr();
      this.#expect(")");
    } else {
      if (this.#peek().kind !== "{") this.#unexpected(this.#peek());
      selector = this.#logExpr();
    }
    const range = this.#peek();
    if (range.kind !== "RANGE") return this.#unexpected(range);
    this.#next();
    // `count_over_time({a="b"}[5m] |= "x")`: Loki also accepts the filters after the range.
    const trailing = this.#filters();
    if (this.#peek().kind === "KEYWORD" && this.#peek().text === "offset") throw new LogQLUnsupportedError(`"offset" modifier`);
    this.#expect(")");
    return { kind: "range", op, selector: { ...selector, filters: [...selector.filters, ...trailing] }, rangeNs: parseDurationNs(range.text)! };
  }

  #sum(): VectorAggregationExpr {
    let by = this.#grouping();
    this.#expect("(");
    if (this.#peek().kind === "NUMBER") throw new LogQLUnsupportedError("parameter of sum");
    const inner = this.#metricExpr();
    this.#rejectBinaryOperator();
    this.#expect(")");
    if (by === undefined) by = this.#grouping();
    return by === undefined ? { kind: "vector", op: "sum", inner } : { kind: "vector", op: "sum", by, inner };
  }

  #grouping(): string[] | undefined {
    const t = this.#peek();
    if (t.kind !== "KEYWORD" || (t.text !== "by" && t.text !== "without")) return undefined;
    if (t.text === "without") throw new LogQLUnsupportedError(`grouping "without"`);
    this.#next();
    this.#expect("(");
    const names: string[] = [];
    for (let guard = 0; guard < this.tokens.length && this.#peek().kind !== ")"; guard++) {
      if (names.length > 0) this.#expect(",");
      names.push(this.#expect("IDENTIFIER").text);
    }
    this.#expect(")");
    return names;
  }

  #logExpr(): LogSelectorExpr {
    const matchers = this.#selector();
    return { kind: "log", matchers, filters: this.#filters() };
  }

  #selector(): LabelMatcher[] {
    this.#expect("{");
    const matchers: LabelMatcher[] = [];
    for (let guard = 0; guard < this.tokens.length; guard++) {
      const name = this.#expect("IDENTIFIER");
      const op = this.#peek();
      if (!MATCH_OPS.includes(op.kind)) return this.#unexpected(op, MATCH_OPS);
      this.#next();
      const value = this.#expect("STRING");
      const regexp = op.kind === "=~" || op.kind === "!~" ? compileGoRegexp(value.text, { anchored: true, col: value.pos + 1 }) : undefined;
      matchers.push({ name: name.text, op: op.kind as MatchOp, value: value.text, ...(regexp ? { regexp } : {}) });
      const next = this.#peek();
      if (next.kind === "}") break;
      if (next.kind !== ",") return this.#unexpected(next, ["}", ","]);
      this.#next();
    }
    this.#expect("}");
    if (!matchers.some(matchesNonEmpty)) {
      throw new LogQLParseError(
        `queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will`,
      );
    }
    return matchers;
  }

  #filters(): LineFilter[] {
    const filters: LineFilter[] = [];
    for (let guard = 0; guard < this.tokens.length; guard++) {
      const t = this.#peek();
      if (FILTER_OPS.includes(t.kind)) {
        this.#next();
        const value = this.#peek();
        if (value.kind === "IDENTIFIER" && value.text === "ip" && this.tokens[this.#at + 1]?.kind === "(")
          throw new LogQLUnsupportedError(`line filter function "ip"`);
        this.#expect("STRING");
        const regexp = t.kind === "|~" || t.kind === "!~" ? compileGoRegexp(value.text, { anchored: false, col: value.pos + 1 }) : undefined;
        filters.push({ op: t.kind as FilterOp, value: value.text, ...(regexp ? { regexp } : {}) });
        const after = this.#peek();
        if (after.kind === "KEYWORD" && after.text === "or") throw new LogQLUnsupportedError(`line filter "or"`);
        continue;
      }
      if (t.kind === "|") {
        const stage = this.tokens[this.#at + 1]!;
        if (stage.kind === "IDENTIFIER" || stage.kind === "FUNCTION" || stage.kind === "KEYWORD") {
          if (PARSER_STAGES.has(stage.text)) throw new LogQLUnsupportedError(`parser stage "| ${stage.text}"`);
          if (FORMAT_STAGES.has(stage.text)) throw new LogQLUnsupportedError(`formatting stage "| ${stage.text}"`);
          if (OTHER_STAGES.has(stage.text)) throw new LogQLUnsupportedError(`pipeline stage "| ${stage.text}"`);
          throw new LogQLUnsupportedError(`label filter "| ${stage.text}"`);
        }
        this.#next();
        return this.#unexpected(stage);
      }
      return filters;
    }
    return filters;
  }

  #rejectBinaryOperator(): void {
    const t = this.#peek();
    if (t.kind === "OPERATOR" || (t.kind === "KEYWORD" && ["or", "and", "unless"].includes(t.text))) {
      throw new LogQLUnsupportedError(`binary operator "${t.text}"`);
    }
  }

  #peek(): Token {
    return this.tokens[this.#at]!;
  }

  #next(): Token {
    const t = this.tokens[this.#at]!;
    if (t.kind !== "$end") this.#at++;
    return t;
  }

  #expect(kind: TokenKind): Token {
    const t = this.#peek();
    if (t.kind !== kind) this.#unexpected(t, [kind]);
    return this.#next();
  }

  #unexpected(t: Token, expected: readonly TokenKind[] = []): never {
    const expecting = expected.length > 0 && expected.length <= 4 ? `, expecting ${expected.join(" or ")}` : "";
    throw new LogQLParseError(`syntax error: unexpected ${tokenName(t)}${expecting}`, t.pos + 1);
  }
}

/** Loki requires one matcher that cannot match the empty value (`a="b"`, `a=~".+"`). */
function matchesNonEmpty(m: LabelMatcher): boolean {
  if (m.op === "=") return m.value !== "";
  if (m.op === "=~") return !m.regexp!.test("");
  return false;
}
