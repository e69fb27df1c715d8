import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "../../manifest/load-manifests.ts";
import { renderForTarget } from "./render.ts";
import { parseQuantity, scaleRequests, summedRequests } from "./resource-requests.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

describe("parseQuantity", () => {
  it("should read Kubernetes quantities in base units and refuse anything else", () => {
    expect([parseQuantity("500m"), parseQuantity("2"), parseQuantity("1.5Gi"), parseQuantity("512M"), parseQuantity("1e3"), parseQuantity(3)]).toEqual([
      0.5,
      2,
      1.5 * 2 ** 30,
      512e6,
      1000,
      3,
    ]);
    expect(() => parseQuantity("2 cores")).toThrow('not a Kubernetes quantity: "2 cores" (expected e.g. 500m, 2, 512Mi, 1G)');
  });
});

describe("summedRequests", () => {
  it("should sum the manifests' requests per workload (about 2.4 CPU and 6 GiB for the stack as shipped)", async () => {
    const sum = summedRequests(renderForTarget(await loadManifests(MANIFESTS), { kind: "k3s" }));
    expect(sum.cpuMillis).toBe(2400);
    expect(sum.memoryBytes).toBe(6240 * 2 ** 20);
    expect(sum.workloads.find((w) => w.workload === "StatefulSet prometheus")).toEqual({
      workload: "StatefulSet prometheus",
      cpuMillis: 500,
      memoryBytes: 2 * 2 ** 30,
    });
  });

  it("should scale requests in the rendering only, never the limits or the set on disk", async () => {
    const set = await loadManifests(MANIFESTS);
    const rendered = renderForTarget(set, { kind: "k3s" });
    expect(scaleRequests(rendered, 0.5)).toBe("requests scaled by 0.5: 2.4 CPU -> 1.2 CPU, 6.1 GiB -> 3.0 GiB (limits and the manifests on disk unchanged)");
    expect(summedRequests(rendered).cpuMillis).toBe(1200);
    expect(summedRequests(renderForTarget(set, { kind: "k3s" })).cpuMillis).toBe(2400);
    expect(() => scaleRequests(rendered, 2)).toThrow("requests scale must be in (0, 1], saw 2");
  });
});
