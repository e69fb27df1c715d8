import {
  INTRINSICS,
  TraceQLUnsupportedError,
  TraceQLValidationError,
  type CompareOp,
  type FieldExpr,
  type Operand,
  type SpansetExpr,
  type StaticType,
} from "./traceql-ast.ts";
import { lexTraceQL, TraceQLSyntaxError, type Token } from "./traceql-lexer.ts";
import { validateComparison } from "./traceql-validate.ts";

const KEYWORD_STATICS: Record<string, { type: StaticType; value: string | boolean | null }> = {
  true: { type: "bool", value: true },
  false: { type: "bool", value: false },
  nil: { type: "nil", value: null },
  error: { type: "status", value: "error" },
  ok: { type: "status", value: "ok" },
  unset: { type: "status", value: "unset" },
  unspecified: { type: "kind", value: "unspecified" },
  internal: { type: "kind", value: "internal" },
  server: { type: "kind", value: "server" },
  client: { type: "kind", value: "client" },
  producer: { type: "kind", value: "producer" },
  consumer: { type: "kind", value: "consumer" },
};
const UNSUPPORTED_WORDS = new Set([
  "childCount",
  "parent",
  "nestedSetLeft",
  "nestedSetRight",
  "nestedSetParent",
  "instrumentation",
  "event",
  "link",
  "trace",
  "span",
  "resource",
]);
const AGGREGATES = new Set([
  "count",
  "avg",
  "min",
  "max",
  "sum",
  "by",
  "select",
  "coalesce",
  "rate",
  "count_over_time",
  "quantile_over_time",
  "histogram_over_time",
]);
const COMPARE_OPS = new Set<string>(["=", "!=", ">", ">=", "<", "<=", "=~", "!~"]);
const ARITHMETIC = new Set(["+", "-", "*", "/", "%", "^"]);
const STRUCTURAL = new Set([">>", ">", "<<", "<", "~", "!>>", "!<<", "!~", "!>", "!<"]);

/**
 * The TraceQL subset the reference sink evaluates: spanset filters `{ <cond> && <cond> || ... }` over
 * `span.x`, `resource.x`, `.x` and the intrinsics below, spansets joined by `&&` / `||`. Text that is
 * not TraceQL throws `TraceQLSyntaxError` (`parse error at line 1, col N: syntax error: unexpected X`,
 * Tempo's wording); valid TraceQL outside the subset throws `TraceQLUnsupportedError` naming the part;
 * ill-typed comparisons throw `TraceQLValidationError` with Tempo's validation wording.
 */
export function parseTraceQL(query: string): SpansetExpr {
  return new Parser(lexTraceQL(query), query).parseRoot();
}

/** How goyacc names a token in `unexpected X` (Tempo maps punctuation and keywords to their text). */
function tokenName(t: Token): string {
  switch (t.kind) {
    case "end":
      return "$end";
    case "punct":
      return t.text;
    case "string":
      return "STRING";
    case "int":
      return "INTEGER";
    case "float":
      return "FLOAT";
    case "duration":
      return "DURATION";
    case "attribute":
      return t.scope === "any" ? "." : t.scope === "intrinsic-colon" ? t.text : `${t.scope}.`;
    case "word":
      return t.text in INTRINSICS || t.text in KEYWORD_STATICS || AGGREGATES.has(t.text) ? t.text : "IDENTIFIER";
  }
}

class Parser {
  #i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly query: string,
  ) {}

  parseRoot(): SpansetExpr {
    const first = this.#peek();
    if (first.kind === "word" && AGGREGATES.has(first.text)) throw new TraceQLUnsupportedError(`aggregate "${first.text}"`);
    const expr = this.#spansetExpr();
    const next = this.#peek();
    if (next.kind === "punct" && next.text === "|") throw new TraceQLUnsupportedError(`pipeline "${this.#restText()}"`);
    if (next.kind !== "end") this.#unexpected(next);
    return expr;
  }

  #spansetExpr(): SpansetExpr {
    let left = this.#spansetPrimary();
    for (let n = 0; n < this.tokens.length; n += 1) {
      const t = this.#peek();
      if (t.kind === "punct" && (t.text === "&&" || t.text === "||")) {
        this.#i += 1;
        left = { kind: t.text === "&&" ? "and" : "or", left, right: this.#spansetPrimary() };
      } else if (t.kind === "punct" && STRUCTURAL.has(t.text)) {
        throw new TraceQLUnsupportedError(`structural operator "${t.text}"`);
      } else {
        break;
      }
    }
    return left;
  }

  #spansetPrimary(): SpansetExpr {
    const t = this.#next();
    if (t.kind === "punct" && t.text === "(") {
      const inner = this.#spansetExpr();
      this.#expect(")");
      return inner;
    }
    if (t.kind !== "punct" || t.text !== "{") this.#unexpected(t);
    if (this.#peekPunct("}")) {
      this.#i += 1;
      return { kind: "filter", expr: undefined };
    }
    const expr = this.#orExpr();
    this.#expect("}");
    return { kind: "filter", expr };
  }

  #orExpr(): FieldExpr {
    let left = this.#andExpr();
    while (this.#peekPunct("||")) {
      this.#i += 1;
      left = { kind: "or", left, right: this.#andExpr() };
    }
    return left;
  }

  #andExpr(): FieldExpr {
    let left = this.#condition();
    while (this.#peekPunct("&&")) {
      this.#i += 1;
      left = { kind: "and", left, right: this.#condition() };
    }
    return left;
  }

  #condition(): FieldExpr {
    if (this.#peekPunct("(")) {
      this.#i += 1;
      const inner = this.#orExpr();
      this.#expect(")");
      return inner;
    }
    if (this.#peekPunct("!")) throw new TraceQLUnsupportedError(`negation "!"`);
    const left = this.#operand();
    const t = this.#peek();
    if (t.kind === "punct" && ARITHMETIC.has(t.text)) throw new TraceQLUnsupportedError(`arithmetic "${t.text}"`);
    if (t.kind !== "punct" || !COMPARE_OPS.has(t.text)) {
      if (left.kind === "attribute" || (left.kind === "static" && left.type === "bool")) return { kind: "truthy", operand: left };
      throw new TraceQLValidationError(`filter field expression must be boolean: ${left.text}`);
    }
    this.#i += 1;
    const right = this.#operand();
    const after = this.#peek();
    if (after.kind === "punct" && ARITHMETIC.has(after.text)) throw new TraceQLUnsupportedError(`arithmetic "${after.text}"`);
    return validateComparison(t.text as CompareOp, left, right);
  }

  #operand(): Operand {
    const t = this.#next();
    switch (t.kind) {
      case "attribute":
        if (t.scope === "span" || t.scope === "resource" || t.scope === "any") return { kind: "attribute", scope: t.scope, name: t.name, text: t.text };
        throw new TraceQLUnsupportedError(`attribute "${t.text}"`);
      case "string":
        return { kind: "static", type: "string", value: t.value, text: t.text };
      case "int":
      case "float":
      case "duration":
        return { kind: "static", type: t.kind, value: t.value, text: t.text };
      case "word": {
        const intrinsic = INTRINSICS[t.text];
        if (intrinsic) return { kind: "intrinsic", name: intrinsic.name, text: t.text };
        const keyword = KEYWORD_STATICS[t.text];
        if (keyword) return { kind: "static", type: keyword.type, value: keyword.value, text: t.text };
        if (UNSUPPORTED_WORDS.has(t.text)) throw new TraceQLUnsupportedError(`intrinsic "${t.text}"`);
        return this.#unexpected(t);
      }
      case "punct": {
        const number = this.#peek();
        if (t.text === "-" && (number.kind === "int" || number.kind === "float" || number.kind === "duration")) {
          this.#i += 1;
          return { kind: "static", type: number.kind, value: -number.value, text: `-${number.text}` };
        }
        return this.#unexpected(t);
      }
      case "end":
        return this.#unexpected(t);
    }
  }

  #peek(): Token {
    return this.tokens[Math.min(this.#i, this.tokens.length - 1)]!;
  }

  #next(): Token {
    const t = this.#peek();
    this.#i += 1;
    return t;
  }

  #peekPunct(text: string): boolean {
    const t = this.#peek();
    return t.kind === "punct" && t.text === text;
  }

  #expect(text: string): void {
    const t = this.#next();
    if (t.kind !== "punct" || t.text !== text) this.#unexpected(t);
  }

  #unexpected(t: Token): never {
    throw new TraceQLSyntaxError(`syntax error: unexpected ${tokenName(t)}`, t.line, t.col);
  }

  #restText(): string {
    return this.query.slice(this.#peek().at).trim();
  }
}
