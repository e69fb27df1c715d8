import { InputError } from "../../common/errors.ts";

/** `--generator` of `obsconf run load`: the harness's own worker-process generators, or the k6 scripts (load/k6/). */
export const LOAD_GENERATORS = ["builtin", "k6"] as const;
export type LoadGeneratorName = (typeof LOAD_GENERATORS)[number];

/** Parses `--generator`; anything but builtin or k6 is an InputError naming the flag (exit 2). */
export function parseLoadGenerator(value: string): LoadGeneratorName {
  const text = value.trim();
  if ((LOAD_GENERATORS as readonly string[]).includes(text)) return text as LoadGeneratorName;
  throw new InputError({ file: "command line", field: "--generator" }, `one of ${LOAD_GENERATORS.join(", ")}`, JSON.stringify(value));
}

/** What the runtime offers the k6 path: a cluster says whether the k6-operator's TestRun CRD exists. */
export type K6Host = { runtime: "local" | "k3s" } | { runtime: "cluster"; operator: { installed: boolean; detail: string } };

/**
 * How the load of a run is generated:
 * - `builtin`: the worker-process generators on this machine (any runtime);
 * - `k6-local`: local `k6` processes (`runK6`) against the stack's endpoints (local and k3s runtimes);
 * - `k6-operator`: TestRuns in the run namespace, aimed at the in-cluster Services (cluster runtime
 *   with the operator installed);
 * - on a cluster without the operator, `--generator k6` falls back to the builtin generators on this
 *   machine, and `note` says so (log line and check evidence).
 */
export type LoadPath = { kind: "builtin"; note?: string } | { kind: "k6-local" } | { kind: "k6-operator"; detail: string };

export function chooseLoadPath(generator: LoadGeneratorName, host: K6Host): LoadPath {
  if (generator === "builtin") return { kind: "builtin" };
  if (host.runtime !== "cluster") return { kind: "k6-local" };
  if (host.operator.installed) return { kind: "k6-operator", detail: host.operator.detail };
  return {
    kind: "builtin",
    note: `--generator k6 on the cluster runtime needs the k6-operator: ${host.operator.detail}; the builtin generators ran from this machine through the harness's endpoints instead`,
  };
}
