import { cpus, hostname, release, type } from "node:os";
import type { Clock } from "../../common/clock.ts";
import { untargetedReason, type Contract, type Profile } from "../../assertions/contract.ts";
import { judgeContractRows } from "../../assertions/contract-rows.ts";
import { judgeRun, type CheckResult, type RunResult, type Timeline } from "../../assertions/run-result.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";
import type { ComponentStatus } from "../../stack/started-stack.ts";
import { inventoryOf } from "./inventory.ts";
import { runBlockers } from "./run-blockers.ts";

export interface AssembleRunInput {
  scenario: string;
  runId: string;
  profile: Profile;
  contract: Contract;
  runtime: RuntimeChoice;
  statuses: readonly ComponentStatus[];
  checks: CheckResult[];
  startedAtMs: number;
  clock: Clock;
  /** Scenario-specific reasons the run cannot sign off (e.g. a scaled load, a shortened duration). */
  blockers?: readonly string[];
  /** The drill's one timeline (chaos), when the scenario has one. */
  timeline?: Timeline;
  /** `--strict`: simulated and unavailable checks fail the run. */
  strict?: boolean;
  /** What the harness changed in the stack's run (one line each). */
  overrides?: readonly string[];
  /**
   * A sign-off: one verdict per contract row (`contractRows`), a row no check measured blocks it, and a
   * run that cannot sign off fails (its verdict says why) even when every check that ran passed.
   */
  signoff?: boolean;
}

/** The RunResult of a scenario: inventory, checks in id order, verdict, and every sign-off blocker. */
export function assembleRun(a: AssembleRunInput): RunResult {
  const finishedAtMs = a.clock.nowMs();
  const inventory = inventoryOf(a.statuses);
  const contractRows = a.signoff ? judgeContractRows(a.contract, a.checks) : undefined;
  const blockers = runBlockers({
    profileName: a.profile.name,
    runtime: a.runtime.runtime,
    inventory,
    scenarioBlockers: a.blockers ?? [],
    checks: a.checks,
    ...(contractRows ? { contractRows } : {}),
  });
  const judged = judgeRun(a.checks, { strict: a.strict === true });
  const { verdict, reason: verdictReason } =
    a.signoff && judged.verdict === "pass" && blockers.length > 0
      ? { verdict: "fail" as const, reason: `sign-off: not eligible (${blockers.length} blockers), so the sign-off fails although no check that ran failed` }
      : judged;
  return {
    schemaVersion: 1,
    runId: a.runId,
    scenario: a.scenario,
    profile: a.profile.name,
    contractVersion: a.contract.version,
    runtime: { name: a.runtime.runtime, reason: a.runtime.reason },
    host: { hostname: hostname(), cores: cpus().length, os: `${type()} ${release()}`, node: process.version },
    startedAt: new Date(a.startedAtMs).toISOString(),
    finishedAt: new Date(finishedAtMs).toISOString(),
    durationMs: Math.round(finishedAtMs - a.startedAtMs),
    inventory,
    checks: a.checks.map((check) => withTargetOrWhyNot(check, a.contract)).sort((x, y) => x.id.localeCompare(y.id)),
    verdict,
    ...(verdictReason ? { verdictReason } : {}),
    ...(a.strict ? { strict: true } : {}),
    ...(a.overrides?.length ? { overrides: [...a.overrides] } : {}),
    signOff: { eligible: blockers.length === 0, blockers },
    ...(contractRows ? { contractRows } : {}),
    ...(a.timeline ? { timeline: a.timeline } : {}),
  };
}

/** A check shows its target, or the contract's row saying why it has none. */
function withTargetOrWhyNot(check: CheckResult, contract: Contract): CheckResult {
  if (check.target !== undefined || check.noTarget !== undefined) return check;
  const why = untargetedReason(contract, check.id);
  return why ? { ...check, noTarget: why } : check;
}
