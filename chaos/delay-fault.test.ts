import { describe, expect, it } from "vitest";
import { createFault, mergePlacements, parseFaultSpec } from "./index.ts";
import { findLeftovers, leftoverScope, NO_LEFTOVERS, type LeftoverScope } from "./test-leftovers.ts";
import { PROMETHEUS_SKIP, startPrometheusStack } from "./test-stack.ts";

if (PROMETHEUS_SKIP) console.warn(`skipping delay fault tests: ${PROMETHEUS_SKIP}`);

/** Median ms of `count` GET /-/ready round trips. */
async function medianReadyMs(url: string, count = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(5_000) });
    await response.text();
    expect(response.status).toBe(200);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(count / 2)]!;
}

describe.skipIf(PROMETHEUS_SKIP)("delay fault (real Prometheus through the local runtime)", () => {
  it("should add about D ms to each request while injected and nothing after heal, saying which mechanism it used", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const fault = createFault(parseFaultSpec("delay:prometheus:300ms", { file: "test" }));
    const pre = await fault.preflight();
    expect(pre.status).toBe("supported");
    if (pre.status !== "supported") return;
    expect(pre.how).toMatch(/^(userspace TCP proxy in front of prometheus holding client->server bytes 300ms \(no netem: .+\)|netem delay 300ms .+)$/);
    {
      await using p = await startPrometheusStack(mergePlacements(pre.needs));
      run = leftoverScope(p);
      if (pre.needs.some((n) => n.kind === "proxy"))
        expect(p.stack.rewrites().join("\n")).toMatch(
          /^prometheus: web: fault proxy \(tcp\) 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+; clients reach prometheus through it$/m,
        );
      const before = await medianReadyMs(p.url);
      await using active = await fault.inject(p.stack);
      expect(active.how).toContain(pre.how);
      expect(await medianReadyMs(p.url)).toBeGreaterThanOrEqual(before + 280);
      await active.heal();
      expect(await medianReadyMs(p.url)).toBeLessThan(280);
    }
    expect(await findLeftovers(run)).toEqual(NO_LEFTOVERS);
  });

  it("should fail to inject, naming the missing placement, into a stack started without it", async () => {
    await using p = await startPrometheusStack();
    await expect(createFault(parseFaultSpec("delay:prometheus:300ms", { file: "test" })).inject(p.stack)).rejects.toThrow(
      "delay:prometheus:300ms: needs a tcp fault proxy in front of prometheus, placed at start (pass the fault's preflight().needs as the runtime's placements); proxies seen: none",
    );
  });
});
