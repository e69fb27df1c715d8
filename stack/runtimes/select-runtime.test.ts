import { describe, expect, it } from "vitest";
import { withClusterFlags } from "./select-runtime.ts";

describe("withClusterFlags", () => {
  const choice = { runtime: "cluster" as const, reason: "--runtime cluster" };

  it("should put --reach and --harness-address on the choice startStack hands to the cluster runtime", () => {
    expect(withClusterFlags(choice, { reach: "node-port", harnessAddress: "10.1.2.3" })).toEqual({ ...choice, reach: "node-port", harnessAddress: "10.1.2.3" });
    expect(withClusterFlags(choice, {})).toEqual(choice);
  });

  it("should refuse a harness address that is not an IP and an unknown reach, naming the flag", () => {
    expect(() => withClusterFlags(choice, { harnessAddress: "my-laptop" })).toThrow(
      'command line: field --harness-address: expected an IP address of this machine that the cluster\'s pods can reach, saw "my-laptop"',
    );
    expect(() => withClusterFlags(choice, { reach: "vpn" })).toThrow(
      'command line: field --reach: expected one of port-forward, node-port, load-balancer, saw "vpn"',
    );
  });
});
