import { systemClock } from "../common/clock.ts";
import { activeFault, requireControl, unsupportedRuntime } from "./active-fault.ts";
import type { Fault } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";

const DEFAULT_READY_TIMEOUT_MS = 60_000;

/**
 * `restart-keep-data:<component>` / `restart-lose-data:<component>`: SIGKILL the process group and
 * start it again at once, with the data dir intact (Prometheus replays its WAL) or emptied first.
 * The outage is the restart itself: `healedAtMs` is when it was started again, `readyAtMs` when
 * its readiness probe first answered (heal waits for that).
 */
export function createRestartFault(spec: FaultSpec): Fault {
  const wipe = spec.kind === "restart-lose-data";
  const how = wipe
    ? `SIGKILL to ${spec.component}'s process group, data dir emptied, started again at once with the same flags and ports`
    : `SIGKILL to ${spec.component}'s process group, started again at once with the same flags, ports and data dir (WAL replay)`;
  return {
    spec,
    name: formatFaultSpec(spec),
    preflight: async ({ runtime } = { runtime: "local" }) =>
      runtime === "local" ? { status: "supported", how, needs: [] } : unsupportedRuntime(runtime, spec.kind),
    async inject(stack, { readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS } = {}) {
      const control = requireControl(stack, spec);
      await control.kill();
      const injectedAtMs = systemClock.nowMs();
      await control.start({ wipeData: wipe });
      const restartedAtMs = systemClock.nowMs();
      // Readiness is watched from the restart on, so readyAtMs is when it became ready, not when heal asked.
      const ready = control.waitReady(readyTimeoutMs).then(
        () => ({ readyAtMs: systemClock.nowMs() }),
        (error: unknown) => ({ error }),
      );
      return activeFault({
        spec,
        how,
        injectedAtMs,
        undo: async ({ shuttingDown }) => {
          if (shuttingDown || control.stopping()) return { healedAtMs: restartedAtMs };
          const outcome = await ready;
          if ("error" in outcome) throw outcome.error;
          return { healedAtMs: restartedAtMs, readyAtMs: outcome.readyAtMs };
        },
      });
    },
  };
}
