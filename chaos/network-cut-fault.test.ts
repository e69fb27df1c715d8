import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../common/poll-until.ts";
import { createFault, hostCapabilities, parseFaultSpec } from "./index.ts";
import { netnsBlocker } from "./host-capabilities.ts";
import { findLeftovers, leftoverScope, NO_LEFTOVERS, type LeftoverScope } from "./test-leftovers.ts";
import { pushSeqs, readSeqs } from "./test-remote-write.ts";
import { PROMETHEUS_SKIP, startPrometheusStack } from "./test-stack.ts";

const exec = promisify(execFile);
const blocker = netnsBlocker(await hostCapabilities());
const skip = PROMETHEUS_SKIP ?? (blocker ? `network namespace faults cannot run here: ${blocker}` : undefined);
if (skip) console.warn(`skipping loss/partition namespace tests: ${skip}`);

describe.skipIf(skip)("loss and partition faults (real Prometheus in a network namespace)", () => {
  it("should run Prometheus in its own namespace, reached at the veth address, and cut it off during a partition", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const fault = createFault(parseFaultSpec("partition:prometheus", { file: "test" }));
    const pre = await fault.preflight();
    if (pre.status !== "supported") throw new Error(pre.reason);
    expect(pre.needs).toEqual([{ kind: "netns", component: "prometheus" }]);
    expect(pre.how).toMatch(/^every packet to and from prometheus's network namespace dropped \((nft|iptables) rules in the namespace\)$/);
    const pids: number[] = [];
    {
      await using p = await startPrometheusStack(pre.needs);
      run = leftoverScope(p);
      const info = p.stack.control("prometheus")!.netns()!;
      pids.push(p.stack.control("prometheus")!.pid()!);
      expect(p.url).toBe(`http://${info.address}:${new URL(p.url).port}`);
      const { stdout } = await exec("ip", ["netns", "pids", info.name]);
      expect(stdout.trim().split("\n").map(Number)).toContain(pids[0]);
      const startMs = Date.now() - 60_000;
      expect(await pushSeqs(p.url, "partition", [0], startMs)).toBe(204);
      await using active = await fault.inject(p.stack);
      expect(await pushSeqs(p.url, "partition", [1], startMs, 1_500)).toMatch(/^error: /);
      await active.heal();
      expect(await pushSeqs(p.url, "partition", [2], startMs)).toBe(204);
      expect(await readSeqs(p.url, "partition")).toContain(2);
    }
    expect(await findLeftovers({ ...run, pids })).toEqual(NO_LEFTOVERS);
  });

  it("should let Prometheus in its namespace reach Alertmanager on the host through a forwarder on the host's veth address", async () => {
    const pre = await createFault(parseFaultSpec("partition:prometheus", { file: "test" })).preflight();
    if (pre.status !== "supported") throw new Error(pre.reason);
    await using p = await startPrometheusStack(pre.needs, { also: ["alertmanager"] });
    const info = p.stack.control("prometheus")!.netns()!;
    const alertmanager = p.stack.endpoints().alertmanager!.web!;
    expect(alertmanager.host).toBe("127.0.0.1");
    const body = await pollUntil(
      "an active alertmanager",
      async () => (await (await fetch(`${p.url}/api/v1/alertmanagers`)).json()) as { data: { activeAlertmanagers: { url: string }[] } },
      (b) => b.data.activeAlertmanagers.length > 0,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const urls = body.data.activeAlertmanagers.map((a) => a.url);
    expect(urls).toEqual([expect.stringMatching(new RegExp(`^http://${info.hostAddress.replaceAll(".", "\\.")}:\\d+/api/v2/alerts$`))]);
    const forwarder = new URL(urls[0]!).port;
    expect(forwarder).not.toBe(String(alertmanager.port));
    const { stdout } = await exec("ip", [
      "netns",
      "exec",
      info.name,
      process.execPath,
      "-e",
      `fetch("http://${info.hostAddress}:${forwarder}/-/ready").then((r) => console.log(r.status))`,
    ]);
    expect(stdout.trim()).toBe("200");
    expect(p.stack.rewrites()).toContain(
      `prometheus: other components reached from its namespace through forwarders on ${info.hostAddress} (one port each, asked of the OS)`,
    );
  });

  it("should drop the given share of packets entering the namespace with a rule that heal removes", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const fault = createFault(parseFaultSpec("loss:prometheus:100%", { file: "test" }));
    const pre = await fault.preflight();
    if (pre.status !== "supported") throw new Error(pre.reason);
    {
      await using p = await startPrometheusStack(pre.needs);
      run = leftoverScope(p);
      const info = p.stack.control("prometheus")!.netns()!;
      await using active = await fault.inject(p.stack);
      expect(active.how).toMatch(
        /^100% of the packets entering prometheus's network namespace dropped: (nft table inet obsconf_loss|iptables rules \(comment obsconf-loss\)) in network namespace obsconf-[0-9a-f]{6}-prometheus$/,
      );
      expect(await pushSeqs(p.url, "loss", [0], Date.now(), 1_500)).toMatch(/^error: /);
      await active.heal();
      const { stdout } = await exec("ip", ["netns", "exec", info.name, "nft", "list", "ruleset"]);
      expect(stdout).not.toContain("obsconf_loss");
      expect(await pushSeqs(p.url, "loss", [1], Date.now())).toBe(204);
    }
    expect(await findLeftovers(run)).toEqual(NO_LEFTOVERS);
  });
});

describe.skipIf(PROMETHEUS_SKIP)("loss and partition at the proxy (a host without namespaces: not root)", () => {
  const notRoot = async () => ({ ...(await hostCapabilities()), root: false });

  it("should cut writes to real Prometheus at the proxy and let them through after heal", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const faults = ["partition:prometheus", "loss:prometheus:100%"].map((text) =>
      createFault(parseFaultSpec(text, { file: "test" }), { capabilities: notRoot }),
    );
    const needs = (await Promise.all(faults.map((f) => f.preflight()))).flatMap((p) => (p.status === "supported" ? p.needs : []));
    expect(needs).toEqual([
      { kind: "proxy", component: "prometheus", port: "*", mode: "tcp" },
      { kind: "proxy", component: "prometheus", port: "*", mode: "tcp" },
    ]);
    {
      await using p = await startPrometheusStack(needs);
      run = leftoverScope(p);
      expect(p.stack.control("prometheus")!.netns()).toBeUndefined();
      for (const [index, fault] of faults.entries()) {
        await using active = await fault.inject(p.stack);
        expect(active.how).toMatch(/^.+ \(no network namespace: not root: .+\): prometheus@web \(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+\)$/);
        expect(await pushSeqs(p.url, "proxy-cut", [index * 10], Date.now() - 60_000, 1_000)).toMatch(/^error: /);
        await active.heal();
        expect(await pushSeqs(p.url, "proxy-cut", [index * 10 + 1], Date.now() - 60_000)).toBe(204);
      }
      expect(p.stack.control("prometheus")!.proxy("web")!.stats().cut).toBeGreaterThanOrEqual(1);
    }
    expect(await findLeftovers(run)).toEqual(NO_LEFTOVERS);
  });
});
