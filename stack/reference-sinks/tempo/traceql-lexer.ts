import { parseGoDurationNs } from "./go-duration.ts";

/**
 * Tokens of TraceQL as Tempo's lexer cuts them. Positions are 1-based line/column of the token's
 * first character, which is what Tempo's `parse error at line L, col C` reports.
 */
type TokenBody =
  | { kind: "punct"; text: string; line: number; col: number }
  | { kind: "string"; text: string; value: string; line: number; col: number }
  | { kind: "int" | "float" | "duration"; text: string; value: number; line: number; col: number }
  | { kind: "word"; text: string; line: number; col: number }
  | { kind: "attribute"; text: string; scope: AttributeScope; name: string; line: number; col: number }
  | { kind: "end"; text: ""; line: number; col: number };

/** A token and its 0-based offset in the query text. */
export type Token = TokenBody & { at: number };

/** `span.`, `resource.`, `.` (either), and the scopes of newer Tempo versions the sink does not evaluate. */
export type AttributeScope = "span" | "resource" | "any" | "parent" | "event" | "link" | "instrumentation" | "intrinsic-colon";

export class TraceQLSyntaxError extends Error {
  override name = "TraceQLSyntaxError";
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(`parse error at line ${line}, col ${col}: ${detail}`);
  }
}

/** Two- and three-character operators first, so `>=` never lexes as `>` `=`. */
const PUNCT = [
  "!>>",
  "!<<",
  "&&",
  "||",
  "!=",
  ">=",
  "<=",
  "=~",
  "!~",
  ">>",
  "<<",
  "{",
  "}",
  "(",
  ")",
  "=",
  "<",
  ">",
  "!",
  "|",
  "~",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  ",",
];
const SCOPES: Record<string, AttributeScope> = {
  "span.": "span",
  "resource.": "resource",
  "parent.": "parent",
  "event.": "event",
  "link.": "link",
  "instrumentation.": "instrumentation",
};
/** Characters that end an attribute name (Tempo's lexer: whitespace and these). */
const ATTRIBUTE_END = new Set([...'{}()=~!<>&|^,"`']);
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+/;
const NUMBER = /^\d+(\.\d+)?([eE][+-]?\d+)?/;

export function lexTraceQL(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const maxTokens = query.length + 1;
  while (tokens.length < maxTokens) {
    while (i < query.length && /\s/.test(query[i]!)) {
      if (query[i] === "\n") {
        line += 1;
        lineStart = i + 1;
      }
      i += 1;
    }
    const col = i - lineStart + 1;
    if (i >= query.length) {
      tokens.push({ kind: "end", text: "", line, col, at: i });
      return tokens;
    }
    const rest = query.slice(i);
    const c = rest[0]!;
    if (c === '"' || c === "`") {
      const { value, length } = readString(rest, line, col);
      tokens.push({ kind: "string", text: rest.slice(0, length), value, line, col, at: i });
      i += length;
      continue;
    }
    const duration = DURATION.exec(rest);
    if (duration && !isNameChar(rest[duration[0].length])) {
      tokens.push({ kind: "duration", text: duration[0], value: parseGoDurationNs(duration[0])!, line, col, at: i });
      i += duration[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      const isFloat = number[1] !== undefined || number[2] !== undefined;
      tokens.push({ kind: isFloat ? "float" : "int", text: number[0], value: Number(number[0]), line, col, at: i });
      i += number[0].length;
      continue;
    }
    if (c === "." && rest.length > 1 && !ATTRIBUTE_END.has(rest[1]!) && !/\s/.test(rest[1]!)) {
      const name = readAttributeName(rest.slice(1));
      tokens.push({ kind: "attribute", text: `.${name}`, scope: "any", name, line, col, at: i });
      i += 1 + name.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
    if (word !== undefined) {
      const after = rest[word.length];
      const scope = SCOPES[`${word}${after}`];
      if (scope !== undefined && rest.length > word.length + 1 && !ATTRIBUTE_END.has(rest[word.length + 1]!)) {
        const name = readAttributeName(rest.slice(word.length + 1));
        tokens.push({ kind: "attribute", text: `${word}.${name}`, scope, name, line, col, at: i });
        i += word.length + 1 + name.length;
        continue;
      }
      if (after === ":" && /^[A-Za-z]/.test(rest[word.length + 1] ?? "")) {
        const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest.slice(word.length + 1))![0];
        tokens.push({ kind: "attribute", text: `${word}:${name}`, scope: "intrinsic-colon", name, line, col, at: i });
        i += word.length + 1 + name.length;
        continue;
      }
      tokens.push({ kind: "word", text: word, line, col, at: i });
      i += word.length;
      continue;
    }
    const punct = PUNCT.find((p) => rest.startsWith(p));
    if (punct === undefined) throw new TraceQLSyntaxError(`syntax error: unexpected ${JSON.stringify(c)}`, line, col);
    tokens.push({ kind: "punct", text: punct, line, col, at: i });
    i += punct.length;
  }
  throw new TraceQLSyntaxError("syntax error: too many tokens", line, 1);
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_.]/.test(c);
}

function readAttributeName(text: string): string {
  let n = 0;
  while (n < text.length && !ATTRIBUTE_END.has(text[n]!) && !/\s/.test(text[n]!)) n += 1;
  return text.slice(0, n);
}

/** Go-style double-quoted strings (with escapes) and backtick raw strings. */
function readString(text: string, line: number, col: number): { value: string; length: number } {
  const quote = text[0]!;
  let value = "";
  for (let n = 1; n < text.length; n += 1) {
    const c = text[n]!;
    if (c === quote) return { value, length: n + 1 };
    if (c === "\n" && quote === '"') break;
    if (c === "\\" && quote === '"') {
      const next = text[n + 1];
      const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", "'": "'" };
      if (next === undefined || escapes[next] === undefined) throw new TraceQLSyntaxError("invalid char escape", line, col + n);
      value += escapes[next];
      n += 1;
      continue;
    }
    value += c;
  }
  throw new TraceQLSyntaxError("literal not terminated", line, col);
}
