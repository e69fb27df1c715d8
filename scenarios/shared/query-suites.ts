import path from "node:path";
import { loadQuerySuite, SUITES_DIR, type QuerySuite } from "../../assertions/query-suite.ts";

export interface QuerySuiteFiles {
  promqlSuiteFile?: string;
  logqlSuiteFile?: string;
  traceqlSuiteFile?: string;
}

export interface QuerySuites {
  promql: QuerySuite;
  logql: QuerySuite;
  traceql: QuerySuite;
}

/** The PromQL, LogQL and TraceQL suites a scenario runs: the given files, else assertions/suites/<language>.yaml. */
export async function loadQuerySuites(files: QuerySuiteFiles): Promise<QuerySuites> {
  const suiteFile = (file: string | undefined, name: string) =>
    loadQuerySuite(file ?? path.join(SUITES_DIR, `${name}.yaml`), file ?? `assertions/suites/${name}.yaml`);
  return {
    promql: await suiteFile(files.promqlSuiteFile, "promql"),
    logql: await suiteFile(files.logqlSuiteFile, "logql"),
    traceql: await suiteFile(files.traceqlSuiteFile, "traceql"),
  };
}
