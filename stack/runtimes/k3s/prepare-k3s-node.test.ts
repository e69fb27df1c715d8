import { describe, expect, it } from "vitest";
import { checkHarnessReachable, describeReachability, hostsEntry, makeRootShared, type NodeExec } from "./prepare-k3s-node.ts";

const execOf = (answers: Record<string, { exitCode: number; output: string }>): NodeExec & { calls: string[] } => {
  const calls: string[] = [];
  const exec = async (command: string[]) => {
    calls.push(command.join(" "));
    return answers[command[0]!] ?? { exitCode: 127, output: `exec: "${command[0]}": executable file not found in $PATH` };
  };
  return Object.assign(exec, { calls });
};

describe("prepareK3sNode", () => {
  it("should make the node container's root a shared mount, and say why when it cannot", async () => {
    const ok = execOf({ mount: { exitCode: 0, output: "" } });
    expect(await makeRootShared(ok)).toEqual({ shared: true });
    expect(ok.calls).toEqual(["mount --make-rshared /"]);
    expect(await makeRootShared(execOf({ mount: { exitCode: 32, output: "mount: permission denied\n" } }))).toEqual({
      shared: false,
      reason: "mount --make-rshared / exited 32: mount: permission denied",
    });
  });

  it("should read host.docker.internal from the container's /etc/hosts", () => {
    expect(hostsEntry("127.0.0.1\tlocalhost\n172.17.0.1\thost.docker.internal\n172.17.0.3\tabc123\n", "host.docker.internal")).toBe("172.17.0.1");
    expect(hostsEntry("127.0.0.1 localhost\n", "host.docker.internal")).toBeUndefined();
  });

  it("should report each harness port as reachable, not reachable with what to do, or unchecked", async () => {
    const blocked = execOf({ nc: { exitCode: 1, output: "nc: 172.17.0.1 (172.17.0.1:40123): Connection timed out\n" } });
    const lines = describeReachability(await checkHarnessReachable(blocked, "172.17.0.1", [40123]));
    expect(lines).toEqual([
      "k3s: harness 172.17.0.1:40123 NOT reachable from the node (nc: 172.17.0.1 (172.17.0.1:40123): Connection timed out): alert and pull-canary checks cannot pass; on Linux allow the engine's bridge to reach this machine (e.g. ufw allow in on docker0), and the instruments must listen on 0.0.0.0",
    ]);
    expect(describeReachability(await checkHarnessReachable(execOf({ nc: { exitCode: 0, output: "" } }), "172.17.0.1", [40123]))).toEqual([
      "k3s: harness 172.17.0.1:40123 reachable from the node (nc -z connected)",
    ]);
    expect(describeReachability(await checkHarnessReachable(execOf({}), "172.17.0.1", [1]))).toEqual([
      "k3s: harness 172.17.0.1:1 not checked (neither nc nor wget in the node image)",
    ]);
  });
});
