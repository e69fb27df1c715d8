import type { ComponentStatus } from "../started-stack.ts";

/**
 * What a started stack offers for one purpose (a client, a push target, a counter): ready, with the
 * substitutes it touches (named for `simulated`), or absent with the reason. Never `undefined`: a check
 * that needs an absent thing reports the reason as `unavailable`.
 */
export type Reach<T> =
  | {
      readonly kind: "ready";
      readonly value: T;
      readonly simulatedBy: readonly string[];
      /** The stack components it goes through (a check that uses it is affected when one of them dies). */
      readonly components: readonly string[];
    }
  | {
      readonly kind: "absent";
      readonly reason: string;
      /**
       * What a check that needs it reports: `unavailable` (not here: no binary, not selected),
       * `fail` (the component at the pinned version would not start: the stack is broken) or
       * `error` (it would not start at another version than the pin: no verdict on the stack).
       */
      readonly status: AbsentStatus;
    };

export type AbsentStatus = "unavailable" | "fail" | "error";

export function ready<T>(value: T, simulatedBy: readonly string[] = [], components: readonly string[] = []): Reach<T> {
  return { kind: "ready", value, simulatedBy, components };
}

export function absent<T = never>(reason: string, status: AbsentStatus = "unavailable"): Reach<T> {
  return { kind: "absent", reason, status };
}

/** The same reach with its value transformed (an absence stays as it is). */
export function mapReach<T, U>(reach: Reach<T>, f: (value: T) => U): Reach<U> {
  return reach.kind === "ready" ? ready(f(reach.value), reach.simulatedBy, reach.components) : reach;
}

/** Every one of `parts` at once (their substitutes merged), or the first absence. */
export function reachAll<T extends Record<string, unknown>>(parts: { [K in keyof T]: Reach<T[K]> }): Reach<T> {
  const values: Record<string, unknown> = {};
  const simulatedBy = new Set<string>();
  const components = new Set<string>();
  for (const [key, part] of Object.entries(parts) as [string, Reach<unknown>][]) {
    if (part.kind === "absent") return part;
    values[key] = part.value;
    for (const name of part.simulatedBy) simulatedBy.add(name);
    for (const name of part.components) components.add(name);
  }
  return ready(values as T, [...simulatedBy], [...components]);
}

/** The substitute a check touches through this component, named for the report; none when it ran for real. */
export function simulatedBy(status: ComponentStatus | undefined): string[] {
  return status?.plan.mode === "substitute" ? [`${status.plan.substitute} (standing in for ${status.plan.component})`] : [];
}

/**
 * A component as a check sees it: ready, or absent with the reason and what that means for the
 * check. A component found and not started is a verdict, never `unavailable`: at the manifest's
 * version it is a stack defect (`fail`, with the component's own error); at another version the
 * harness cannot tell (`error`, naming both versions).
 */
export function componentReach(component: string, status: ComponentStatus | undefined): Reach<ComponentStatus> {
  if (status?.status.state === "ready") return ready(status, simulatedBy(status), [component]);
  if (status?.status.state !== "error") return absent(absenceReason(component, status));
  const { plan } = status;
  if (plan.mode === "process" && plan.versionMismatch) {
    return absent(
      `${component} ${plan.binaryVersion ?? "(version unknown)"} (${plan.binary}) did not start, and the manifests pin ${plan.manifestVersion}: no verdict on the stack at another version; its error: ${status.status.error}`,
      "error",
    );
  }
  if (plan.mode === "substitute") return absent(`${plan.substitute} (standing in for ${component}) did not start: ${status.status.error}`, "error");
  return absent(`${component}${plan.mode === "process" && plan.binaryVersion ? ` ${plan.binaryVersion}` : ""} did not start: ${status.status.error}`, "fail");
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
