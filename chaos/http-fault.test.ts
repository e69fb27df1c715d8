import { describe, expect, it } from "vitest";
import { createFault, mergePlacements, parseFaultSpec } from "./index.ts";
import { findLeftovers, leftoverScope, NO_LEFTOVERS, type LeftoverScope } from "./test-leftovers.ts";
import { pushSeqs, readSeqs } from "./test-remote-write.ts";
import { PROMETHEUS_SKIP, startPrometheusStack } from "./test-stack.ts";

if (PROMETHEUS_SKIP) console.warn(`skipping http fault tests: ${PROMETHEUS_SKIP}`);

describe.skipIf(PROMETHEUS_SKIP)("http-error and ack-drop faults (real Prometheus behind the HTTP fault proxy)", () => {
  it("should answer remote writes with the injected status while reads still pass, and forward again after heal", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const errors = [429, 500, 503].map((status) => createFault(parseFaultSpec(`http-error:prometheus:${status}`, { file: "test" })));
    const needs = (await Promise.all(errors.map((f) => f.preflight()))).flatMap((p) => (p.status === "supported" ? p.needs : []));
    expect(mergePlacements(needs)).toEqual([{ kind: "proxy", component: "prometheus", port: "*", mode: "http" }]);
    {
      await using p = await startPrometheusStack(mergePlacements(needs));
      run = leftoverScope(p);
      const startMs = Date.now() - 60_000;
      for (const [index, fault] of errors.entries()) {
        await using active = await fault.inject(p.stack);
        expect(await pushSeqs(p.url, "http-error", [index], startMs)).toBe(fault.spec.params.status);
        expect(await readSeqs(p.url, "http-error")).toEqual([]);
        await active.heal();
      }
      expect(await pushSeqs(p.url, "http-error", [10], startMs)).toBe(204);
      expect(await readSeqs(p.url, "http-error")).toEqual([10]);
      expect(p.stack.control("prometheus")!.proxy("web")!.stats().injectedErrors).toBe(3);
    }
    expect(await findLeftovers(run)).toEqual(NO_LEFTOVERS);
  });

  it("should acknowledge writes (204) that never reach Prometheus: the negative control for loss accounting", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const fault = createFault(parseFaultSpec("ack-drop:prometheus", { file: "test" }));
    const pre = await fault.preflight();
    if (pre.status !== "supported") throw new Error(pre.reason);
    const p = await startPrometheusStack(pre.needs);
    run = leftoverScope(p);
    const startMs = Date.now() - 60_000;
    expect(await pushSeqs(p.url, "ack-drop", [0, 1], startMs)).toBe(204);
    await using active = await fault.inject(p.stack);
    expect(await pushSeqs(p.url, "ack-drop", [2, 3], startMs)).toBe(204);
    await active.heal();
    expect(await pushSeqs(p.url, "ack-drop", [4], startMs)).toBe(204);
    expect(await readSeqs(p.url, "ack-drop")).toEqual([0, 1, 4]);
    expect(p.stack.control("prometheus")!.proxy("web")!.stats().ackedDropped).toBe(1);
    await p[Symbol.asyncDispose]();
    expect(await findLeftovers(run)).toEqual(NO_LEFTOVERS);
  });
});
