import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { z } from "zod";
import { parseDurationMs } from "../common/duration.ts";
import { InputError } from "../common/errors.ts";
import { zodIssueToInputError } from "../stack/manifest/zod-issue.ts";
import { checkQuerySyntax, LANGUAGE_NAMES, type QueryLanguage } from "./query-syntax.ts";

/** A query suite file (`assertions/suites/<language>.yaml`): what query-latency checks fire. */
export interface QuerySuite {
  file: string;
  language: "promql" | "logql" | "traceql";
  queries: SuiteQuery[];
}

export interface SuiteQuery {
  name: string;
  expr: string;
  /** `instant` at now, or `run`: a range query from the run's start to now. */
  range: "instant" | "run";
  stepMs: number;
  seed?: string;
}

const duration = z.string('a duration like "15s"').refine((v) => parseDurationMs(v) !== undefined, 'a duration like "15s"');
const suiteSchema = z
  .object({
    suite: z.enum(["promql", "logql", "traceql"], "one of promql, logql, traceql"),
    queries: z
      .array(
        z
          .object({
            name: z.string("a query name").regex(/^[a-z0-9][a-z0-9-]*$/, "a query name (lower-case letters, digits, '-')"),
            expr: z.string("a query expression").min(1, "a query expression"),
            range: z.enum(["run"], "run (or no range for an instant query)").optional(),
            step: duration.optional(),
            seed: z.string().optional(),
          })
          .strict(),
        "a list of queries",
      )
      .min(1, "at least one query"),
  })
  .strict();

export const SUITES_DIR = `${path.dirname(fileURLToPath(import.meta.url))}/suites`;

export interface LoadQuerySuiteOptions {
  /** The language the suite must declare (`suite:`): the flag it was given to says which (`--promql-suite` -> promql). */
  language?: QueryLanguage;
  /** The flag, for the error text (`--promql-suite`). */
  flag?: string;
}

/**
 * Reads and checks a suite file, locally and before anything starts: YAML, shape, unique names,
 * the declared language (when `language` is given) and every query's syntax in that language.
 */
export async function loadQuerySuite(file: string, shownAs = file, { language, flag }: LoadQuerySuiteOptions = {}): Promise<QuerySuite> {
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw new InputError({ file: shownAs }, "a readable query suite file", (error as NodeJS.ErrnoException).code ?? String(error), { cause: error });
  });
  const doc = parseDocument(text);
  if (doc.errors.length) throw new InputError({ file: shownAs }, "valid YAML", doc.errors[0]!.message.split("\n")[0]!);
  const raw: unknown = doc.toJS();
  const parsed = suiteSchema.safeParse(raw);
  if (!parsed.success) throw zodIssueToInputError(parsed.error.issues[0]!, raw, { file: shownAs });
  if (language !== undefined && parsed.data.suite !== language) {
    throw new InputError(
      { file: shownAs, field: "suite" },
      `${JSON.stringify(language)} (a ${LANGUAGE_NAMES[language]} suite${flag ? `, as ${flag} takes` : ""})`,
      `${JSON.stringify(parsed.data.suite)} (a ${LANGUAGE_NAMES[parsed.data.suite]} suite)`,
    );
  }
  const names = new Set<string>();
  parsed.data.queries.forEach((q, index) => {
    if (names.has(q.name))
      throw new InputError({ file: shownAs, field: `queries[${index}].name` }, "a name not used by another query of the suite", JSON.stringify(q.name));
    names.add(q.name);
    const syntax = checkQuerySyntax(parsed.data.suite, q.expr);
    if (syntax)
      throw new InputError(
        { file: shownAs, field: `queries[${index}].expr` },
        `a ${LANGUAGE_NAMES[parsed.data.suite]} expression (query ${q.name})`,
        `${JSON.stringify(q.expr)}: syntax error at column ${syntax.column}: ${syntax.problem}`,
      );
  });
  return {
    file: shownAs,
    language: parsed.data.suite,
    queries: parsed.data.queries.map((q) => ({
      name: q.name,
      expr: q.expr,
      range: q.range ?? "instant",
      stepMs: parseDurationMs(q.step ?? "15s")!,
      ...(q.seed ? { seed: q.seed } : {}),
    })),
  };
}

/** The server refused a suite query as malformed: bad input naming the file and the query. */
export function malformedQueryError(suite: QuerySuite, index: number, serverText: string): InputError {
  const query = suite.queries[index]!;
  const language = { promql: "PromQL", logql: "LogQL", traceql: "TraceQL" }[suite.language];
  return new InputError(
    { file: suite.file, field: `queries[${index}].expr` },
    `a ${language} expression the server accepts (query ${query.name})`,
    `${JSON.stringify(query.expr)}, rejected: ${serverText}`,
  );
}
