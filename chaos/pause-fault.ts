import { systemClock } from "../common/clock.ts";
import { HarnessError } from "../common/errors.ts";
import { activeFault, requireControl, unsupportedRuntime } from "./active-fault.ts";
import type { Fault } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";

/** `pause:<component>`: SIGSTOP the component's process group (connections hang, nothing answers); heal sends SIGCONT. */
export function createPauseFault(spec: FaultSpec): Fault {
  const how = `SIGSTOP to ${spec.component}'s process group; heal sends SIGCONT`;
  return {
    spec,
    name: formatFaultSpec(spec),
    preflight: async ({ runtime } = { runtime: "local" }) =>
      runtime === "local" ? { status: "supported", how, needs: [] } : unsupportedRuntime(runtime, "pause"),
    async inject(stack) {
      const control = requireControl(stack, spec);
      if (!control.running()) throw new HarnessError(`${formatFaultSpec(spec)}: ${spec.component} is not running, so it cannot be paused`);
      control.signal("SIGSTOP");
      return activeFault({
        spec,
        how,
        injectedAtMs: systemClock.nowMs(),
        undo: async () => {
          if (control.running()) control.signal("SIGCONT");
        },
      });
    },
  };
}
