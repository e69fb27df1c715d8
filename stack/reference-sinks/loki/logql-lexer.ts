import { findClosingQuote, unquoteGo } from "./label-text.ts";
import { LogQLParseError } from "./logql-errors.ts";

export type TokenKind =
  | "{"
  | "}"
  | "("
  | ")"
  | ","
  | "="
  | "!="
  | "=~"
  | "!~"
  | "|="
  | "|~"
  | "|"
  | "STRING"
  | "NUMBER"
  | "RANGE"
  | "IDENTIFIER"
  | "FUNCTION"
  | "KEYWORD"
  | "OPERATOR"
  | "$end";

export interface Token {
  readonly kind: TokenKind;
  /** Source text (for STRING the unquoted value, for RANGE the duration text between the brackets). */
  readonly text: string;
  /** 0-based offset of the token's first character. */
  readonly pos: number;
}

/** Words Loki lexes as function tokens when an opening parenthesis follows. */
export const RANGE_AGGREGATIONS = new Set([
  "count_over_time",
  "rate",
  "rate_counter",
  "bytes_over_time",
  "bytes_rate",
  "avg_over_time",
  "sum_over_time",
  "min_over_time",
  "max_over_time",
  "stdvar_over_time",
  "stddev_over_time",
  "quantile_over_time",
  "first_over_time",
  "last_over_time",
  "absent_over_time",
]);
export const VECTOR_AGGREGATIONS = new Set(["sum", "avg", "min", "max", "count", "stddev", "stdvar", "bottomk", "topk", "sort", "sort_desc"]);
const OTHER_FUNCTIONS = new Set(["label_replace", "vector"]);
const KEYWORDS = new Set(["by", "without", "bool", "on", "ignoring", "group_left", "group_right", "offset", "or", "and", "unless"]);

const TWO_CHAR = ["!=", "=~", "!~", "|=", "|~", "==", ">=", "<="] as const;

/** Splits a query into tokens; lexical errors are `LogQLParseError`s with Loki's column. */
export function lexLogQL(query: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < query.length) {
    const c = query[pos]!;
    if (/\s/.test(c)) {
      pos++;
      continue;
    }
    if (c === "#") {
      const newline = query.indexOf("\n", pos);
      pos = newline < 0 ? query.length : newline + 1;
      continue;
    }
    const two = query.slice(pos, pos + 2);
    if ((TWO_CHAR as readonly string[]).includes(two)) {
      tokens.push({ kind: two === "==" || two === ">=" || two === "<=" ? "OPERATOR" : (two as TokenKind), text: two, pos });
      pos += 2;
      continue;
    }
    if ("{}(),=|".includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, pos });
      pos++;
      continue;
    }
    if ("+-*/%^<>".includes(c)) {
      tokens.push({ kind: "OPERATOR", text: c, pos });
      pos++;
      continue;
    }
    if (c === '"' || c === "`" || c === "'") {
      const end = findClosingQuote(query, pos, c);
      if (end < 0) throw new LogQLParseError("literal not terminated", pos + 1);
      tokens.push({ kind: "STRING", text: unquoteGo(query.slice(pos, end + 1)), pos });
      pos = end + 1;
      continue;
    }
    if (c === "[") {
      const close = query.indexOf("]", pos);
      if (close < 0) throw new LogQLParseError("missing closing ']' in duration", query.length + 1);
      const text = query.slice(pos + 1, close);
      if (parseDurationNs(text) === undefined) throw new LogQLParseError(`not a valid duration string: ${JSON.stringify(text)}`, pos + 1);
      tokens.push({ kind: "RANGE", text, pos });
      pos = close + 1;
      continue;
    }
    const number = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(query.slice(pos))?.[0];
    if (number !== undefined) {
      tokens.push({ kind: "NUMBER", text: number, pos });
      pos += number.length;
      continue;
    }
    const word = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(query.slice(pos))?.[0];
    if (word !== undefined) {
      // As in Loki's lexer, a function name is a function token only when `(` (or, for aggregations, a grouping) follows.
      const rest = query.slice(pos + word.length);
      const isFunction = /^\s*\(/.test(rest)
        ? RANGE_AGGREGATIONS.has(word) || VECTOR_AGGREGATIONS.has(word) || OTHER_FUNCTIONS.has(word)
        : VECTOR_AGGREGATIONS.has(word) && /^\s*(by|without)\b/.test(rest);
      tokens.push({ kind: isFunction ? "FUNCTION" : KEYWORDS.has(word) ? "KEYWORD" : "IDENTIFIER", text: word, pos });
      pos += word.length;
      continue;
    }
    throw new LogQLParseError(`syntax error: unexpected character ${JSON.stringify(c)}`, pos + 1);
  }
  tokens.push({ kind: "$end", text: "", pos: query.length });
  return tokens;
}

/** How goyacc names a token in `unexpected X` (Loki registers its literal tokens by their text). */
export function tokenName(token: Token): string {
  switch (token.kind) {
    case "STRING":
    case "NUMBER":
    case "RANGE":
    case "IDENTIFIER":
    case "$end":
      return token.kind;
    default:
      return token.text;
  }
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  y: 31_536_000_000_000_000n,
};

/** Prometheus/Go duration text (`5m`, `1h30m`, `250ms`, `1.5h`, `7d`) to nanoseconds; undefined if invalid or zero. */
export function parseDurationNs(text: string): bigint | undefined {
  const part = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h|d|w|y)/y;
  let total = 0n;
  let at = 0;
  for (let guard = 0; at < text.length && guard < 16; guard++) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (m === null) return undefined;
    const [whole, fraction = ""] = m[1]!.split(".");
    const unit = UNIT_NS[m[2]!]!;
    total += BigInt(whole!) * unit + (fraction === "" ? 0n : (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length));
    at = part.lastIndex;
  }
  return at === text.length && total > 0n ? total : undefined;
}
