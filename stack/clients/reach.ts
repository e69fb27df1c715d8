import type { ComponentStatus } from "../started-stack.ts";

/**
 * What a started stack offers for one purpose (a client, a push target, a counter): ready, with the
 * substitutes it touches (named for `simulated`), or absent with the reason. Never `undefined`: a check
 * that needs an absent thing reports the reason as `unavailable`.
 */
export type Reach<T> =
  | { readonly kind: "ready"; readonly value: T; readonly simulatedBy: readonly string[] }
  | { readonly kind: "absent"; readonly reason: string };

export function ready<T>(value: T, simulatedBy: readonly string[] = []): Reach<T> {
  return { kind: "ready", value, simulatedBy };
}

export function absent<T = never>(reason: string): Reach<T> {
  return { kind: "absent", reason };
}

/** The same reach with its value transformed (an absence stays as it is). */
export function mapReach<T, U>(reach: Reach<T>, f: (value: T) => U): Reach<U> {
  return reach.kind === "ready" ? ready(f(reach.value), reach.simulatedBy) : reach;
}

/** Every one of `parts` at once (their substitutes merged), or the first absence. */
export function reachAll<T extends Record<string, unknown>>(parts: { [K in keyof T]: Reach<T[K]> }): Reach<T> {
  const values: Record<string, unknown> = {};
  const simulatedBy: string[] = [];
  for (const [key, part] of Object.entries(parts) as [string, Reach<unknown>][]) {
    if (part.kind === "absent") return part;
    values[key] = part.value;
    for (const name of part.simulatedBy) if (!simulatedBy.includes(name)) simulatedBy.push(name);
  }
  return ready(values as T, simulatedBy);
}

/** The substitute a check touches through this component, named for the report; none when it ran for real. */
export function simulatedBy(status: ComponentStatus | undefined): string[] {
  return status?.plan.mode === "substitute" ? [`${status.plan.substitute} (standing in for ${status.plan.component})`] : [];
}

/** Why a component is not there to be used: the plan's or the start's reason. */
export function absenceReason(component: string, status: ComponentStatus | undefined): string {
  if (!status) return `${component} is not in the manifests`;
  switch (status.status.state) {
    case "error":
      return `${component} failed to start: ${status.status.error.split("\n")[0]}`;
    case "ready":
      return `${component} is ready`;
    default:
      return `${component}: ${status.status.reason}`;
  }
}
