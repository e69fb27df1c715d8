import { systemClock } from "../common/clock.ts";
import { activeFault, requireControl, requireProxies, unsupportedRuntime } from "./active-fault.ts";
import type { Fault } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";
import { describeProxies, patchProxies } from "./proxy-settings.ts";

/**
 * `http-error:<component>[:429|500|503]` and `ack-drop:<component>`, at the HTTP-aware proxy in
 * front of the component, for writes (requests other than GET/HEAD; reads pass through so the
 * drill can read back). http-error answers the status (429/503 with `Retry-After: 1`) instead
 * of forwarding. ack-drop answers 204 without forwarding: acknowledged, never stored. It is the
 * negative control that must make the drill's RPO check fail.
 */
export function createHttpFault(spec: FaultSpec): Fault {
  const status = spec.params.status ?? 503;
  const how =
    spec.kind === "ack-drop"
      ? `HTTP proxy in front of ${spec.component} answers writes 204 without forwarding them (acknowledged, never stored)`
      : `HTTP proxy in front of ${spec.component} answers writes ${status}${status === 500 ? "" : " (Retry-After: 1)"} without forwarding them`;
  return {
    spec,
    name: formatFaultSpec(spec),
    preflight: async ({ runtime } = { runtime: "local" }) =>
      runtime === "local"
        ? { status: "supported", how, needs: [{ kind: "proxy", component: spec.component, port: spec.port ?? "*", mode: "http" }] }
        : unsupportedRuntime(runtime, spec.kind),
    async inject(stack) {
      const proxies = requireProxies(requireControl(stack, spec), spec, "http");
      const undo = patchProxies(
        proxies,
        spec.kind === "ack-drop"
          ? { ackDrop: { status: 204, scope: "writes" } }
          : { httpError: { status, scope: "writes", ...(status === 500 ? {} : { retryAfterSeconds: 1 }) } },
      );
      return activeFault({ spec, how: `${how}: ${describeProxies(proxies)}`, injectedAtMs: systemClock.nowMs(), undo: async () => undo() });
    },
  };
}
