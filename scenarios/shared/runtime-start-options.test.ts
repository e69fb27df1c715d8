import { describe, expect, it } from "vitest";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import { runtimeStartOptions } from "./runtime-start-options.ts";

describe("runtimeStartOptions", () => {
  const contract = loadContract();

  it("should scale requests on k3s by the profile's kube.requestsScale, and never for the documented profile", () => {
    const k3s = { runtime: "k3s" as const, reason: "test", imagesDir: "/images" };
    expect(runtimeStartOptions(k3s, profileOf(contract, "ci"))).toEqual({ imagesDir: "/images", requestsScale: 0.5 });
    expect(runtimeStartOptions(k3s, profileOf(contract, "documented"))).toEqual({ imagesDir: "/images" });
  });

  it("should leave requests alone off k3s (a cluster and the local runtime get what the manifests request)", () => {
    const ci = profileOf(contract, "ci");
    expect(runtimeStartOptions({ runtime: "cluster", reason: "test", context: "staging" }, ci)).toEqual({ context: "staging" });
    expect(runtimeStartOptions({ runtime: "local", reason: "test" }, ci)).toEqual({});
  });
});
