import type { Clock } from "../../common/clock.ts";
import { notRun } from "../../assertions/checks/check-builder.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { ComponentStatus } from "../../stack/started-stack.ts";

/** The substitute a check touched through this component, named for the report; none when it ran for real. */
export function simulatedBy(status: ComponentStatus | undefined): string[] {
  return status?.plan.mode === "substitute" ? [`${status.plan.substitute} (standing in for ${status.plan.component})`] : [];
}

/** A check whose component did not run: `unavailable`, with the plan's or the start's reason. */
export function notRunFor(id: string, title: string, pillar: CheckResult["pillar"], status: ComponentStatus | undefined, clock: Clock): CheckResult {
  const component = status?.plan.component ?? "component";
  const reason = !status ? `${component} is not in the manifests` : status.status.state === "error" ? `${component} failed to start: ${status.status.error.split("\n")[0]}` : status.status.state === "ready" ? `${component} is ready but was not checked` : `${component}: ${status.status.reason}`;
  return notRun({ id, title, pillar, startedAtMs: clock.nowMs() }, "unavailable", reason);
}
