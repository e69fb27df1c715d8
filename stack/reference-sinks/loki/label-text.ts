/**
 * Stream label sets as Loki writes and reads them in text: `{level="info", service="checkout"}`.
 * Loki renders a JSON push's label map to this text and re-parses it with the Prometheus metric
 * parser, so both push formats share the parse errors `1:33: parse error: unexpected character
 * inside braces: '-'` (column = 1-based offset into the rendered text).
 */
export type Labels = Readonly<Record<string, string>>;

/** Raised for a label text Loki would reject; `message` is Loki's text without the trailing newline. */
export class LabelParseError extends Error {
  override name: string = "LabelParseError";
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

/** Keys sorted, values quoted: the canonical stream key and the text Loki sorts results by. */
export function formatLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${parts.join(", ")}}`;
}

/** A copy with keys in sorted order (JSON output then lists them sorted, like Loki's own results). */
export function sortedLabels(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) out[name] = labels[name]!;
  return out;
}

/** Parses `{a="b", c="d"}` like Prometheus' `ParseMetric` (Loki's `syntax.ParseLabels`). */
export function parseLabelText(text: string): Record<string, string> {
  const fail = (pos: number, msg: string): never => {
    throw new LabelParseError(`1:${pos + 1}: parse error: ${msg}`);
  };
  let pos = 0;
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  skipSpace();
  if (text[pos] !== "{") {
    if (pos >= text.length) fail(pos, "unexpected end of input");
    fail(pos, `unexpected character: ${goRune(text[pos]!)}`);
  }
  pos++;
  const labels: Record<string, string> = {};
  let expectLabel = true;
  for (let guard = 0; guard <= text.length; guard++) {
    skipSpace();
    if (pos >= text.length) fail(pos, "unexpected end of input inside braces");
    const c = text[pos]!;
    if (c === "}") {
      pos++;
      skipSpace();
      if (pos < text.length) fail(pos, `unexpected character: ${goRune(text[pos]!)}`);
      return labels;
    }
    if (!expectLabel) {
      if (c !== ",") fail(pos, unexpectedInBraces(c));
      pos++;
      expectLabel = true;
      continue;
    }
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(pos))?.[0];
    if (name === undefined) fail(pos, unexpectedInBraces(c));
    pos += name!.length;
    skipSpace();
    if (pos >= text.length) fail(pos, "unexpected end of input inside braces");
    if (text[pos] !== "=") fail(pos, unexpectedInBraces(text[pos]!));
    if (text[pos + 1] === "~") fail(pos, `unexpected "=~" in label set, expected "="`);
    pos++;
    skipSpace();
    if (pos >= text.length) fail(pos, "unexpected end of input inside braces");
    const quote = text[pos]!;
    if (quote !== '"' && quote !== "'" && quote !== "`") fail(pos, unexpectedInBraces(quote));
    const end = findClosingQuote(text, pos, quote);
    if (end < 0) fail(text.length, "unterminated quoted string");
    labels[name!] = unquoteGo(text.slice(pos, end + 1));
    pos = end + 1;
    expectLabel = false;
  }
  return fail(pos, "unexpected end of input inside braces");
}

function unexpectedInBraces(c: string): string {
  return `unexpected character inside braces: ${goRune(c)}`;
}

/** Go's `%q` of a rune: `'-'`. */
function goRune(c: string): string {
  if (c === "'") return "'\\''";
  if (c === "\\") return "'\\\\'";
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, "0")}'`;
  return `'${c}'`;
}

/** Index of the quote closing the one at `start`, honouring backslash escapes; -1 if unterminated. */
export function findClosingQuote(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && quote !== "`") {
      i++;
      continue;
    }
    if (c === "\n" && quote !== "`") return -1;
    if (c === quote) return i;
  }
  return -1;
}

/** Go `strconv.Unquote` for the common escapes ("…", '…' and raw `…`). */
export function unquoteGo(quoted: string): string {
  const quote = quoted[0];
  const body = quoted.slice(1, -1);
  if (quote === "`") return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, esc: string) => {
    switch (esc[0]) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "a":
        return "\x07";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "v":
        return "\v";
      case "x":
        return String.fromCharCode(parseInt(esc.slice(1), 16));
      case "u":
      case "U":
        return String.fromCodePoint(parseInt(esc.slice(1), 16));
      default:
        return /^[0-7]{3}$/.test(esc) ? String.fromCharCode(parseInt(esc, 8)) : esc;
    }
  });
}
