import { systemClock } from "../common/clock.ts";
import { activeFault, requireControl, unsupportedRuntime } from "./active-fault.ts";
import type { Fault } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";

const DEFAULT_READY_TIMEOUT_MS = 60_000;

/**
 * `restart-keep-data:<component>` / `restart-lose-data:<component>`: SIGKILL the process group and
 * start it again at once, with the data dir intact (Prometheus replays its WAL) or emptied first.
 * The outage is the restart itself; heal only waits for the readiness probe.
 */
export function createRestartFault(spec: FaultSpec): Fault {
  const wipe = spec.kind === "restart-lose-data";
  const how = wipe
    ? `SIGKILL to ${spec.component}'s process group, data dir emptied, started again at once with the same flags and ports`
    : `SIGKILL to ${spec.component}'s process group, started again at once with the same flags, ports and data dir (WAL replay)`;
  return {
    spec,
    name: formatFaultSpec(spec),
    preflight: async ({ runtime } = { runtime: "local" }) => (runtime === "local" ? { status: "supported", how, needs: [] } : unsupportedRuntime(runtime, spec.kind)),
    async inject(stack, { readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS } = {}) {
      const control = requireControl(stack, spec);
      await control.kill();
      const injectedAtMs = systemClock.nowMs();
      await control.start({ wipeData: wipe });
      return activeFault({
        spec, how, injectedAtMs,
        undo: async ({ shuttingDown }) => {
          if (shuttingDown || control.stopping() || !control.running()) return;
          await control.waitReady(readyTimeoutMs);
          return { readyAtMs: systemClock.nowMs() };
        },
      });
    },
  };
}
