import type { CheckResult, ContractRow, InventoryEntry } from "../../assertions/run-result.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";

export interface RunBlockersInput {
  profileName: string;
  runtime: RuntimeChoice["runtime"];
  /** The components as they ran (after a run) or as the plan sees them (before: not started yet). */
  inventory: readonly Pick<InventoryEntry, "component" | "runAs" | "substitute">[];
  /** Scenario-specific reasons (a scaled load, a shortened window). */
  scenarioBlockers?: readonly string[];
  /** The checks known so far (after a run: all of them; before: the ones decided before start). */
  checks: readonly Pick<CheckResult, "id" | "status">[];
  /** Sign-off runs: contract rows no check measured block too. */
  contractRows?: readonly Pick<ContractRow, "key" | "seedRow" | "evidence">[];
}

/** `check chaos.kill:prometheus.fault is unsupported`: one line per check that did not pass. */
export function checkBlockers(checks: readonly Pick<CheckResult, "id" | "status">[]): string[] {
  return checks.filter((c) => c.status !== "pass").map((c) => `check ${c.id} is ${c.status}`);
}

/** Why a runtime can never sign off, whatever ran on it (empty for k3s and cluster). */
export function runtimeBlockers(runtime: RuntimeChoice["runtime"]): string[] {
  switch (runtime) {
    case "local":
      return ["the local runtime runs Debian/upstream binaries, not the manifests' images"];
    case "attach":
      return ["the attach runtime did not start the stack: which images run there is not verified, and obsconf does not control the processes"];
    case "k3s":
    case "cluster":
      return [];
  }
}

/**
 * Every reason a run cannot sign off, in one wording for the report (assembleRun, after the run) and
 * the sign-off plan (before anything starts, from the plan's components): the profile, the runtime,
 * the scenario's own, each simulated or absent component, each check that did not pass, and (sign-off)
 * each contract row no check measured.
 */
export function runBlockers(i: RunBlockersInput): string[] {
  return [
    ...(i.profileName === "documented" ? [] : [`profile ${i.profileName} is not the documented profile`]),
    ...runtimeBlockers(i.runtime),
    ...(i.scenarioBlockers ?? []),
    ...i.inventory.filter((c) => c.runAs === "substitute").map((c) => `${c.component} was simulated by ${c.substitute}`),
    ...i.inventory.filter((c) => c.runAs === "unavailable" || c.runAs === "error").map((c) => `${c.component} did not run`),
    ...checkBlockers(i.checks),
    ...(i.contractRows ?? []).filter((r) => r.evidence.length === 0).map((r) => `contract row ${r.key} (${r.seedRow}) was measured by no check of this run`),
  ];
}
