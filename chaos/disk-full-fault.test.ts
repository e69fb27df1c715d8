import { describe, expect, it } from "vitest";
import { createFault, hostCapabilities, parseFaultSpec } from "./index.ts";
import { findLeftovers, leftoverScope, NO_LEFTOVERS, type LeftoverScope } from "./test-leftovers.ts";
import { pushSeqs, readSeqs } from "./test-remote-write.ts";
import { PROMETHEUS_SKIP, startPrometheusStack } from "./test-stack.ts";

const root = (await hostCapabilities()).root;
const skip = PROMETHEUS_SKIP ?? (root ? undefined : "not root: mounting a tmpfs needs CAP_SYS_ADMIN");
if (skip) console.warn(`skipping disk-full fault tests: ${skip}`);
const seqs = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe.skipIf(skip)("disk-full fault (real Prometheus with its data dir on a tmpfs)", () => {
  it("should make remote writes fail once the WAL cannot be written, and accept them again after heal", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const fault = createFault(parseFaultSpec("disk-full:prometheus:32MiB", { file: "test" }));
    const pre = await fault.preflight();
    if (pre.status !== "supported") throw new Error(pre.reason);
    expect(pre.needs).toEqual([{ kind: "tmpfs-data", component: "prometheus", bytes: 32 * 1024 * 1024 }]);
    {
      await using p = await startPrometheusStack(pre.needs);
      run = leftoverScope(p);
      expect(p.stack.control("prometheus")!.tmpfs()).toEqual({ paths: p.stack.control("prometheus")!.dataDirs(), bytes: 32 * 1024 * 1024 });
      const startMs = Date.now() - 60_000;
      expect(await pushSeqs(p.url, "disk-full", [0], startMs)).toBe(204);
      await using active = await fault.inject(p.stack);
      // Prometheus buffers WAL records in 32 KiB pages: a write big enough to flush one meets ENOSPC.
      expect(await pushSeqs(p.url, "disk-full", seqs(1000, 3000), startMs)).toBe(500);
      expect(await pushSeqs(p.url, "disk-full", [5000], startMs)).toBe(500);
      await active.heal();
      expect(await pushSeqs(p.url, "disk-full", [6000], startMs)).toBe(204);
      expect(await readSeqs(p.url, "disk-full")).toEqual([0, 6000]);
    }
    expect(await findLeftovers(run)).toEqual(NO_LEFTOVERS);
  });
});
