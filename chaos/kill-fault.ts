import { systemClock } from "../common/clock.ts";
import { activeFault, requireControl, unsupportedRuntime } from "./active-fault.ts";
import type { Fault } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";

const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** `kill:<component>`: SIGKILL the component's process group; it stays down until heal restarts it (same flags, ports, data). */
export function createKillFault(spec: FaultSpec): Fault {
  const how = `SIGKILL to ${spec.component}'s process group; heal restarts it with the same flags, ports and data dir`;
  return {
    spec,
    name: formatFaultSpec(spec),
    preflight: async ({ runtime } = { runtime: "local" }) =>
      runtime === "local" ? { status: "supported", how, needs: [] } : unsupportedRuntime(runtime, "kill (pod delete)"),
    async inject(stack, { readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS } = {}) {
      const control = requireControl(stack, spec);
      await control.kill();
      return activeFault({
        spec,
        how,
        injectedAtMs: systemClock.nowMs(),
        undo: async ({ shuttingDown }) => {
          if (shuttingDown || control.stopping() || control.running()) return;
          await control.start();
          const healedAtMs = systemClock.nowMs();
          await control.waitReady(readyTimeoutMs);
          return { healedAtMs, readyAtMs: systemClock.nowMs() };
        },
      });
    },
  };
}
