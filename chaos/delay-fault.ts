import { HarnessError } from "../common/errors.ts";
import { netnsOrProxyFault } from "./active-fault.ts";
import type { Fault, FaultOptions } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";
import { hostCapabilities, netnsBlocker } from "./host-capabilities.ts";
import { runCommand } from "./netns-rules.ts";

/**
 * `delay:<component>:<duration>`: every request/response exchange with the component takes ~D
 * longer. With sch_netem (root, ip, tc): a netem qdisc on the host side of the component's veth.
 * Without it (this kernel): the userspace TCP proxy in front of the component holds
 * client->server bytes D ms before forwarding.
 */
export function createDelayFault(spec: FaultSpec, { capabilities = hostCapabilities }: FaultOptions = {}): Fault {
  const delayMs = spec.params.delayMs ?? 0;
  return netnsOrProxyFault(spec, {
    capabilities,
    decide: (caps) =>
      caps.netem && !netnsBlocker(caps)
        ? {
            status: "supported",
            how: `netem delay ${delayMs}ms (tc qdisc) on the host veth of ${spec.component}'s network namespace`,
            needs: [{ kind: "netns", component: spec.component }],
          }
        : {
            status: "supported",
            how: `userspace TCP proxy in front of ${spec.component}${spec.port ? `@${spec.port}` : ""} holding client->server bytes ${delayMs}ms (no netem: ${caps.netemReason ?? "unknown"})`,
            needs: [{ kind: "proxy", component: spec.component, port: spec.port ?? "*", mode: "tcp" }],
          },
    async inNetns(info, caps, how) {
      const tc = caps.tc;
      if (!tc) throw new HarnessError(`${formatFaultSpec(spec)}: needs tc to put a netem qdisc on ${info.hostVeth}`);
      await runCommand(tc, ["qdisc", "add", "dev", info.hostVeth, "root", "netem", "delay", `${delayMs}ms`]);
      return { how, undo: () => runCommand(tc, ["qdisc", "del", "dev", info.hostVeth, "root"]) };
    },
    atProxy: { delayMs },
  });
}
