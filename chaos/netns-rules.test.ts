import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createNetworkNamespace } from "../stack/runtimes/local/network-namespace.ts";
import { hostCapabilities, netnsBlocker } from "./host-capabilities.ts";
import { addNetnsRules } from "./netns-rules.ts";
import { findLeftovers, NO_LEFTOVERS } from "./test-leftovers.ts";

const exec = promisify(execFile);
const caps = await hostCapabilities();
const skip = netnsBlocker(caps) ?? (caps.iptables && caps.nft ? undefined : "both nft and iptables are needed to test each rule writer");
if (skip) console.warn(`skipping namespace rule tests: ${skip}`);

describe.skipIf(skip)("addNetnsRules (a real namespace, no component)", () => {
  it.each(["nft", "iptables"] as const)("should write loss and partition rules with %s inside the namespace only, and remove them on undo", async (tool) => {
    const run = { runId: `rules-test-${process.pid}-${tool}`, runDir: "/nonexistent" };
    const ns = await createNetworkNamespace(run.runId, "rules");
    try {
      const only = tool === "nft" ? { ...caps, iptables: undefined } : { ...caps, nft: undefined };
      const list = async () =>
        tool === "nft"
          ? (await exec("ip", ["netns", "exec", ns.info.name, "nft", "list", "ruleset"])).stdout
          : (await exec("ip", ["netns", "exec", ns.info.name, "iptables-save"])).stdout;
      const loss = await addNetnsRules(only, ns.info, { kind: "loss", percent: 25 });
      const partition = await addNetnsRules(only, ns.info, { kind: "partition" });
      const rules = await list();
      if (tool === "nft") {
        expect(rules).toContain(`iifname "${ns.info.nsVeth}" numgen random mod 10000 < 2500 drop`);
        expect(rules).toContain(`oifname "${ns.info.nsVeth}" drop`);
      } else {
        expect(rules).toContain(
          `-A INPUT -i ${ns.info.nsVeth} -m statistic --mode random --probability 0.25000000000 -m comment --comment obsconf-loss -j DROP`,
        );
        expect(rules).toContain(`-A OUTPUT -o ${ns.info.nsVeth} -m comment --comment obsconf-partition -j DROP`);
      }
      expect((await findLeftovers(run)).hostRules).toEqual([]);
      await loss.undo();
      await partition.undo();
      expect(await list()).not.toMatch(/obsconf/);
    } finally {
      await ns.remove();
    }
    expect(await findLeftovers(run)).toEqual(NO_LEFTOVERS);
  });
});
