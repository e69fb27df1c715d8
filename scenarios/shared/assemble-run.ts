import { cpus, hostname, release, type } from "node:os";
import type { Clock } from "../../common/clock.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import { verdictOf, type CheckResult, type RunResult, type Timeline } from "../../assertions/run-result.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";
import type { ComponentStatus } from "../../stack/started-stack.ts";
import { inventoryOf } from "./inventory.ts";

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
}

/** The RunResult of a scenario: inventory, checks in id order, verdict, and every sign-off blocker. */
export function assembleRun(a: AssembleRunInput): RunResult {
  const finishedAtMs = a.clock.nowMs();
  const inventory = inventoryOf(a.statuses);
  const blockers = [
    ...(a.profile.name === "documented" ? [] : [`profile ${a.profile.name} is not the documented profile`]),
    ...(a.runtime.runtime === "local" ? ["the local runtime runs Debian/upstream binaries, not the manifests' images"] : []),
    ...(a.blockers ?? []),
    ...inventory.filter((c) => c.runAs === "substitute").map((c) => `${c.component} was simulated by ${c.substitute}`),
    ...inventory.filter((c) => c.runAs === "unavailable" || c.runAs === "error").map((c) => `${c.component} did not run`),
    ...a.checks.filter((c) => c.status !== "pass").map((c) => `check ${c.id} is ${c.status}`),
  ];
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
    checks: a.checks.sort((x, y) => x.id.localeCompare(y.id)),
    verdict: verdictOf(a.checks),
    signOff: { eligible: blockers.length === 0, blockers },
    ...(a.timeline ? { timeline: a.timeline } : {}),
  };
}
