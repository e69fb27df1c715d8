import { netnsOrProxyFault } from "./active-fault.ts";
import type { Fault, FaultOptions } from "./fault.ts";
import type { FaultSpec } from "./fault-spec.ts";
import { filterTool, hostCapabilities, netnsBlocker } from "./host-capabilities.ts";
import { addNetnsRules, type NetnsRule } from "./netns-rules.ts";

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
  const what =
    rule.kind === "loss"
      ? `${rule.percent}% of the packets entering ${spec.component}'s network namespace dropped`
      : `every packet to and from ${spec.component}'s network namespace dropped`;
  const atProxy =
    rule.kind === "loss"
      ? `${rule.percent}% of requests cut without a reply (connection reset) at the userspace proxy`
      : `the userspace proxy accepts connections and forwards nothing (open ones stall)`;
  return netnsOrProxyFault(spec, {
    capabilities,
    decide: (caps) => {
      const blocker = netnsBlocker(caps);
      if (!blocker)
        return {
          status: "supported",
          how: `${what} (${filterTool(caps)!.kind} rules in the namespace)`,
          needs: [{ kind: "netns", component: spec.component }],
        };
      return {
        status: "supported",
        how: `${atProxy} (no network namespace: ${blocker})`,
        needs: [{ kind: "proxy", component: spec.component, port: spec.port ?? "*", mode: "tcp" }],
      };
    },
    async inNetns(info, caps) {
      const rules = await addNetnsRules(caps, info, rule);
      return { how: `${what}: ${rules.how}`, undo: rules.undo };
    },
    atProxy: rule.kind === "loss" ? { lossPercent: rule.percent } : { partition: true },
  });
}
