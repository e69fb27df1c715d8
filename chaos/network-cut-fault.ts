import { systemClock } from "../common/clock.ts";
import { HarnessError } from "../common/errors.ts";
import { activeFault, requireControl, requireProxies, unsupportedRuntime } from "./active-fault.ts";
import type { Fault, FaultOptions, Preflight, PreflightContext } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";
import { filterTool, hostCapabilities, netnsBlocker } from "./host-capabilities.ts";
import { addNetnsRules, type NetnsRule } from "./netns-rules.ts";
import { describeProxies, patchProxies } from "./proxy-settings.ts";

/**
 * `loss:<component>:<percent>` and `partition:<component>`, the two faults that cut packets
 * between the generators and the component. As root with `ip` and nft/iptables: the component
 * runs in a network namespace the runtime creates (veth pair), and filter rules inside it drop
 * a share of the packets entering it (loss) or everything both ways (partition). Otherwise, at
 * the userspace proxy: loss cuts that share of requests (new connections and client chunks on open
 * ones, tcp; requests, http) with a connection reset;
 * partition accepts connections and forwards nothing (open ones stall).
 */
export function createNetworkCutFault(spec: FaultSpec, { capabilities = hostCapabilities }: FaultOptions = {}): Fault {
  const rule: NetnsRule = spec.kind === "loss" ? { kind: "loss", percent: spec.params.lossPercent ?? 0 } : { kind: "partition" };
  const what = rule.kind === "loss" ? `${rule.percent}% of the packets entering ${spec.component}'s network namespace dropped` : `every packet to and from ${spec.component}'s network namespace dropped`;
  const atProxy = rule.kind === "loss" ? `${rule.percent}% of requests cut without a reply (connection reset) at the userspace proxy` : `the userspace proxy accepts connections and forwards nothing (open ones stall)`;
  let decided: Promise<Preflight> | undefined;
  const preflight = ({ runtime }: PreflightContext = { runtime: "local" }) => {
    if (runtime !== "local") return Promise.resolve<Preflight>(unsupportedRuntime(runtime, spec.kind));
    decided ??= (async (): Promise<Preflight> => {
      const caps = await capabilities();
      const blocker = netnsBlocker(caps);
      if (!blocker) return { status: "supported", how: `${what} (${filterTool(caps)!.kind} rules in the namespace)`, needs: [{ kind: "netns", component: spec.component }] };
      return { status: "supported", how: `${atProxy} (no network namespace: ${blocker})`, needs: [{ kind: "proxy", component: spec.component, port: spec.port ?? "*", mode: "tcp" }] };
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
        if (!info) throw new HarnessError(`${formatFaultSpec(spec)}: needs ${spec.component} in a network namespace placed at start (pass preflight().needs as placements)`);
        const rules = await addNetnsRules(await capabilities(), info, rule);
        return activeFault({ spec, how: `${what}: ${rules.how}`, injectedAtMs: systemClock.nowMs(), undo: rules.undo });
      }
      const proxies = requireProxies(control, spec, "tcp");
      const undo = patchProxies(proxies, rule.kind === "loss" ? { lossPercent: rule.percent } : { partition: true });
      return activeFault({ spec, how: `${plan.how}: ${describeProxies(proxies)}`, injectedAtMs: systemClock.nowMs(), undo: async () => undo() });
    },
  };
}
