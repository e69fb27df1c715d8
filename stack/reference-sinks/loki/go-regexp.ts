import { LogQLParseError } from "./logql-errors.ts";

/**
 * A Go RE2 pattern as a JavaScript RegExp, for the common syntax LogQL users write: leading flag
 * groups `(?i)`/`(?s)` become flags, `(?P<name>` becomes `(?<name>`. Label matchers are anchored
 * (`^(?:re)$`, as Prometheus and Loki match labels); line filters search anywhere in the line.
 */
export function compileGoRegexp(source: string, { anchored, col }: { anchored: boolean; col: number }): RegExp {
  let flags = "";
  let body = source;
  for (let m = /^\(\?([is]+)\)/.exec(body); m !== null; m = /^\(\?([is]+)\)/.exec(body)) {
    for (const f of m[1]!) if (!flags.includes(f)) flags += f;
    body = body.slice(m[0].length);
  }
  body = body.replace(/\(\?P</g, "(?<");
  try {
    return new RegExp(anchored ? `^(?:${body})$` : body, flags);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.replace(/^Invalid regular expression: /, "") : String(cause);
    throw new LogQLParseError(`error parsing regexp: ${detail}`, col);
  }
}
