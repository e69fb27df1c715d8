import type { ContractTarget } from "../contract.ts";
import type { CheckResult, CheckStatus, Evidence, Pillar, Target } from "../run-result.ts";

/** The identity of a check: what every builder needs before it knows the outcome. */
export interface CheckIdentity {
  id: string;
  title: string;
  pillar: Pillar;
  startedAtMs: number;
}

export function toTarget(target: ContractTarget): Target {
  return { comparator: target.comparator, value: target.value, unit: target.unit, source: target.source };
}

/** Does `measured` meet the target? (`<` below, `>=` at least, `==` exactly.) */
export function meets(measured: number, target: Pick<ContractTarget, "comparator" | "value">): boolean {
  switch (target.comparator) {
    case "<":
      return measured < target.value;
    case ">=":
      return measured >= target.value;
    case "==":
      return measured === target.value;
  }
}

/** A check that did not run: the component is absent (`unavailable`) or the host cannot do it (`unsupported`). */
export function notRun(
  identity: CheckIdentity,
  status: Extract<CheckStatus, "unavailable" | "unsupported">,
  reason: string,
  target?: ContractTarget,
): CheckResult {
  return { ...base(identity, 0), status, reason, ...(target ? { target: toTarget(target) } : {}), evidence: [] };
}

/**
 * A check that could not run because what it needs is absent: `unavailable` (not here), `fail` (a
 * component at the pinned version would not start, or died: the stack is broken) or `error` (no
 * verdict possible, e.g. it would not start at another version than the pin). The reason says which.
 */
export function absentCheck(
  identity: CheckIdentity,
  status: Extract<CheckStatus, "unavailable" | "fail" | "error">,
  reason: string,
  target?: ContractTarget,
): CheckResult {
  return { ...base(identity, 0), status, reason, ...(target ? { target: toTarget(target) } : {}), evidence: [] };
}

/** A harness fault while running a check: reported as `error` with the fault's text, never as pass or fail. */
export function errored(identity: CheckIdentity, error: unknown, endedAtMs: number, target?: ContractTarget): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  return { ...base(identity, endedAtMs), status: "error", reason: message, ...(target ? { target: toTarget(target) } : {}), evidence: [] };
}

export function base(identity: CheckIdentity, endedAtMs: number): Pick<CheckResult, "id" | "title" | "pillar" | "startedAt" | "durationMs"> {
  return {
    id: identity.id,
    title: identity.title,
    pillar: identity.pillar,
    startedAt: new Date(identity.startedAtMs).toISOString(),
    durationMs: Math.max(0, Math.round(endedAtMs - identity.startedAtMs)),
  };
}

/** A passing measurement through a substitute or reference sink is `simulated`, naming the stand-in. */
export function passOrSimulated(ok: boolean, simulatedBy: readonly string[]): CheckStatus {
  if (!ok) return "fail";
  return simulatedBy.length > 0 ? "simulated" : "pass";
}

export function note(text: string, atMs?: number): Evidence {
  return atMs === undefined ? { kind: "note", text } : { kind: "note", text, atMs };
}
