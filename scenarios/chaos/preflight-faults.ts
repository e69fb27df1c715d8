import type { Clock } from "../../common/clock.ts";
import { notRun } from "../../assertions/checks/check-builder.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { Fault, PreflightContext } from "../../chaos/index.ts";
import type { FaultPlacement } from "../../stack/started-stack.ts";

export interface PreflightedFaults {
  /** The faults this host and runtime can do, with their place in the drill. */
  supported: { fault: Fault; index: number; how: string }[];
  /** What the runtime must set up at start for them (unmerged). */
  needs: FaultPlacement[];
  /** One `unsupported` check per fault the host cannot do, with the preflight's reason. */
  unsupported: CheckResult[];
}

/** Asks every fault before the stack starts; an unsupported one becomes a check, never a silent skip. */
export async function preflightFaults(faults: readonly Fault[], context: PreflightContext, clock: Clock): Promise<PreflightedFaults> {
  const out: PreflightedFaults = { supported: [], needs: [], unsupported: [] };
  for (const [index, fault] of faults.entries()) {
    const pre = await fault.preflight(context);
    if (pre.status === "unsupported") {
      out.unsupported.push(
        notRun({ id: `chaos.${fault.name}.fault`, title: `Fault ${fault.name}`, pillar: "stack", startedAtMs: clock.nowMs() }, "unsupported", pre.reason),
      );
    } else {
      out.supported.push({ fault, index, how: pre.how });
      out.needs.push(...pre.needs);
    }
  }
  return out;
}
