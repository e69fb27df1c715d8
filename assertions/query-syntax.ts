import { parser as logqlParser } from "@grafana/lezer-logql";
import { parser as traceqlParser } from "@grafana/lezer-traceql";
import { parser as promqlParser } from "@prometheus-io/lezer-promql";

export type QueryLanguage = "promql" | "logql" | "traceql";

export const LANGUAGE_NAMES: Readonly<Record<QueryLanguage, string>> = { promql: "PromQL", logql: "LogQL", traceql: "TraceQL" };

/** The grammar each language's own UI uses (Prometheus's and Grafana's Lezer grammars, Apache-2.0). */
const PARSERS = { promql: promqlParser, logql: logqlParser, traceql: traceqlParser };

export interface SyntaxProblem {
  /** 1-based column of the first error. */
  column: number;
  /** `unexpected end of the expression` or `unexpected "}"`. */
  problem: string;
}

/**
 * Parses one query locally, before any server sees it: the first syntax error, or undefined when
 * the grammar accepts it. The grammars are those of the query editors; a query they accept can
 * still be refused by the server (then the run names the server's reason: malformedQueryError).
 */
export function checkQuerySyntax(language: QueryLanguage, expr: string): SyntaxProblem | undefined {
  let first: number | undefined;
  PARSERS[language].parse(expr).iterate({
    enter(node) {
      if (first !== undefined) return false;
      if (node.type.isError) first = node.from;
      return undefined;
    },
  });
  if (first === undefined) return undefined;
  const rest = expr.slice(first).trimStart();
  const token = /^("[^"]*"?|`[^`]*`?|\w+|\S)/.exec(rest)?.[0];
  return {
    column: first + 1,
    problem: token === undefined ? "unexpected end of the expression" : `unexpected ${JSON.stringify(token.length > 20 ? `${token.slice(0, 19)}…` : token)}`,
  };
}
