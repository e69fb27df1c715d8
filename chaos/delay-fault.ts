import { systemClock } from "../common/clock.ts";
import { HarnessError } from "../common/errors.ts";
import { activeFault, requireControl, requireProxies, unsupportedRuntime } from "./active-fault.ts";
import type { Fault, FaultOptions, Preflight, PreflightContext } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";
import { hostCapabilities, netnsBlocker } from "./host-capabilities.ts";
import { runCommand } from "./netns-rules.ts";
import { describeProxies, patchProxies } from "./proxy-settings.ts";

/**
 * `delay:<component>:<duration>`: every request/response exchange with the component takes ~D
 * longer. With sch_netem (root, ip, tc): a netem qdisc on the host side of the component's veth.
 * Without it (this kernel): the userspace TCP proxy in front of the component holds
 * client->server bytes D ms before forwarding.
 */
export function createDelayFault(spec: FaultSpec, { capabilities = hostCapabilities }: FaultOptions = {}): Fault {
  const delayMs = spec.params.delayMs ?? 0;
  let decided: Promise<Preflight> | undefined;
  const preflight = ({ runtime }: PreflightContext = { runtime: "local" }) => {
    if (runtime !== "local") return Promise.resolve<Preflight>(unsupportedRuntime(runtime, "delay"));
    decided ??= (async (): Promise<Preflight> => {
      const caps = await capabilities();
      if (caps.netem && !netnsBlocker(caps)) return { status: "supported", how: `netem delay ${delayMs}ms (tc qdisc) on the host veth of ${spec.component}'s network namespace`, needs: [{ kind: "netns", component: spec.component }] };
      return {
        status: "supported",
        how: `userspace TCP proxy in front of ${spec.component}${spec.port ? `@${spec.port}` : ""} holding client->server bytes ${delayMs}ms (no netem: ${caps.netemReason ?? "unknown"})`,
        needs: [{ kind: "proxy", component: spec.component, port: spec.port ?? "*", mode: "tcp" }],
      };
    })();
    return decided;
  };
  return {
    spec,
    name: formatFaultSpec(spec),
    preflight,
    async inject(stack) {
      const plan = await preflight({ runtime: stack.runtime });
      if (plan.status === "unsupported") throw new HarnessError(`${formatFaultSpec(spec)}: unsupported here (${plan.reason})`);
      const control = requireControl(stack, spec);
      if (plan.needs.some((n) => n.kind === "netns")) {
        const info = control.netns();
        const caps = await capabilities();
        if (!info || !caps.tc) throw new HarnessError(`${formatFaultSpec(spec)}: needs ${spec.component} in a network namespace placed at start (pass preflight().needs as placements)`);
        await runCommand(caps.tc, ["qdisc", "add", "dev", info.hostVeth, "root", "netem", "delay", `${delayMs}ms`]);
        return activeFault({ spec, how: plan.how, injectedAtMs: systemClock.nowMs(), undo: () => runCommand(caps.tc!, ["qdisc", "del", "dev", info.hostVeth, "root"]) });
      }
      const proxies = requireProxies(control, spec, "tcp");
      const undo = patchProxies(proxies, { delayMs });
      return activeFault({ spec, how: `${plan.how}: ${describeProxies(proxies)}`, injectedAtMs: systemClock.nowMs(), undo: async () => undo() });
    },
  };
}
