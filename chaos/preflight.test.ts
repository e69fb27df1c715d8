import { describe, expect, it } from "vitest";
import { createFault, FAULT_KINDS, parseFaultSpec, type HostCapabilities } from "./index.ts";
import { netnsBlocker } from "./host-capabilities.ts";

const ROOT_WITH_TOOLS: HostCapabilities = {
  root: true,
  ip: "/usr/sbin/ip",
  nft: "/usr/sbin/nft",
  iptables: "/usr/sbin/iptables",
  tc: "/usr/sbin/tc",
  netem: false,
  netemReason: "this kernel has no sch_netem (tc: Error: Specified qdisc kind is unknown.)",
};
const NOT_ROOT: HostCapabilities = { root: false, ip: "/usr/sbin/ip", nft: "/usr/sbin/nft", netem: false, netemReason: "not root" };
const fault = (text: string, caps: HostCapabilities) => createFault(parseFaultSpec(text, { file: "test" }), { capabilities: async () => caps });

describe("netnsBlocker", () => {
  it("should name what is missing for namespace faults", () => {
    expect(netnsBlocker(ROOT_WITH_TOOLS)).toBeUndefined();
    expect(netnsBlocker({ ...ROOT_WITH_TOOLS, nft: undefined })).toBeUndefined();
    expect(netnsBlocker(NOT_ROOT)).toBe("not root: creating a network namespace, a veth pair and filter rules needs CAP_NET_ADMIN");
    expect(netnsBlocker({ ...ROOT_WITH_TOOLS, ip: undefined })).toBe("no `ip` (iproute2) on PATH: cannot create the network namespace and veth pair");
    expect(netnsBlocker({ ...ROOT_WITH_TOOLS, nft: undefined, iptables: undefined })).toBe(
      "neither nft nor iptables on PATH (apt-get install -y nftables iptables)",
    );
  });
});

describe("preflight", () => {
  it("should use a namespace for loss and partition as root with the tools, and the proxy otherwise, saying why", async () => {
    expect(await fault("loss:prometheus:30%", ROOT_WITH_TOOLS).preflight()).toEqual({
      status: "supported",
      how: "30% of the packets entering prometheus's network namespace dropped (nft rules in the namespace)",
      needs: [{ kind: "netns", component: "prometheus" }],
    });
    expect(await fault("partition:prometheus", { ...ROOT_WITH_TOOLS, nft: undefined }).preflight()).toMatchObject({
      how: "every packet to and from prometheus's network namespace dropped (iptables rules in the namespace)",
    });
    expect(await fault("loss:prometheus:30%", NOT_ROOT).preflight()).toEqual({
      status: "supported",
      how: "30% of requests cut without a reply (connection reset) at the userspace proxy (no network namespace: not root: creating a network namespace, a veth pair and filter rules needs CAP_NET_ADMIN)",
      needs: [{ kind: "proxy", component: "prometheus", port: "*", mode: "tcp" }],
    });
  });

  it("should say which delay mechanism it uses: netem when the kernel has it, the proxy with the reason when not", async () => {
    expect(await fault("delay:prometheus@web:200ms", ROOT_WITH_TOOLS).preflight()).toEqual({
      status: "supported",
      how: "userspace TCP proxy in front of prometheus@web holding client->server bytes 200ms (no netem: this kernel has no sch_netem (tc: Error: Specified qdisc kind is unknown.))",
      needs: [{ kind: "proxy", component: "prometheus", port: "web", mode: "tcp" }],
    });
    expect(await fault("delay:prometheus:200ms", { ...ROOT_WITH_TOOLS, netem: true }).preflight()).toEqual({
      status: "supported",
      how: "netem delay 200ms (tc qdisc) on the host veth of prometheus's network namespace",
      needs: [{ kind: "netns", component: "prometheus" }],
    });
  });

  it("should report disk-full unsupported when not root, with the reason", async () => {
    expect(await fault("disk-full:prometheus", NOT_ROOT).preflight()).toEqual({
      status: "unsupported",
      reason: "not root: mounting a tmpfs for the data dir needs CAP_SYS_ADMIN",
    });
  });

  it.each(FAULT_KINDS)("should report %s unsupported on the k3s runtime, naming the runtime", async (kind) => {
    const text = { delay: "delay:prometheus:1s", loss: "loss:prometheus:5%" }[kind as string] ?? `${kind}:prometheus`;
    const pre = await fault(text, ROOT_WITH_TOOLS).preflight({ runtime: "k3s" });
    expect(pre.status).toBe("unsupported");
    expect(pre.status === "unsupported" && pre.reason).toMatch(
      /^runtime k3s: .+ is implemented for the local runtime only \(k8s pod-level faults are not built yet\)$/,
    );
  });
});
