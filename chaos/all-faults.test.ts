import { describe, expect, it } from "vitest";
import { createFault, FAULT_KINDS, mergePlacements, parseFaultSpec, type FaultKind } from "./index.ts";
import { findLeftovers, leftoverScope, NO_LEFTOVERS, type LeftoverScope } from "./test-leftovers.ts";
import { pushSeqs, readSeqs } from "./test-remote-write.ts";
import { PROMETHEUS_SKIP, startPrometheusStack } from "./test-stack.ts";

if (PROMETHEUS_SKIP) console.warn(`skipping the every-fault drill test: ${PROMETHEUS_SKIP}`);

/** Each kind once, with what a small remote write sees while it is in force. */
const DRILL: Record<FaultKind, { text: string; during: (status: number | string) => boolean }> = {
  kill: { text: "kill:prometheus", during: (s) => typeof s === "string" || s === 502 },
  pause: { text: "pause:prometheus", during: (s) => typeof s === "string" },
  "restart-keep-data": { text: "restart-keep-data:prometheus", during: () => true },
  "restart-lose-data": { text: "restart-lose-data:prometheus", during: () => true },
  delay: { text: "delay:prometheus:200ms", during: (s) => s === 204 },
  loss: { text: "loss:prometheus:100%", during: (s) => typeof s === "string" || s === 502 },
  partition: { text: "partition:prometheus", during: (s) => typeof s === "string" },
  "http-error": { text: "http-error:prometheus:429", during: (s) => s === 429 },
  "ack-drop": { text: "ack-drop:prometheus", during: (s) => s === 204 },
  "disk-full": { text: "disk-full:prometheus:32MiB", during: (s) => s === 204 || s === 500 },
};

describe.skipIf(PROMETHEUS_SKIP)("every fault kind on one stack (all placements at once, as a drill starts it)", () => {
  it("should inject and heal each kind in turn, serve writes after each heal, and leave nothing behind", async () => {
    let run: LeftoverScope = { runId: "", runDir: "" };
    const pids = new Set<number>();
    const addresses: { host: string; port: number }[] = [];
    const faults = FAULT_KINDS.map((kind) => createFault(parseFaultSpec(DRILL[kind].text, { file: "test" })));
    const preflights = await Promise.all(faults.map((f) => f.preflight()));
    const unsupported = preflights.flatMap((p, i) => (p.status === "unsupported" ? [`${faults[i]!.name}: ${p.reason}`] : []));
    if (unsupported.length > 0) console.warn(`not injected here (unsupported): ${unsupported.join("; ")}`);
    {
      await using p = await startPrometheusStack(mergePlacements(preflights.flatMap((pre) => (pre.status === "supported" ? pre.needs : []))));
      run = leftoverScope(p);
      const control = p.stack.control("prometheus")!;
      addresses.push(...control.proxies().flatMap((proxy) => [proxy.listen, proxy.upstream]));
      expect(addresses.length).toBeGreaterThanOrEqual(2);
      const startMs = Date.now() - 60_000;
      let seq = 0;
      for (const [index, fault] of faults.entries()) {
        if (preflights[index]!.status !== "supported") continue;
        pids.add(control.pid()!);
        await using active = await fault.inject(p.stack);
        const during = await pushSeqs(p.url, fault.spec.kind, [seq++], startMs, 1_500);
        expect({ fault: fault.name, ok: DRILL[fault.spec.kind].during(during), during }).toMatchObject({ fault: fault.name, ok: true });
        await active.heal();
        pids.add(control.pid()!);
        const after = seq++;
        expect({ fault: fault.name, after: await pushSeqs(p.url, fault.spec.kind, [after], startMs) }).toEqual({ fault: fault.name, after: 204 });
        expect(await readSeqs(p.url, fault.spec.kind)).toContain(after);
      }
    }
    expect(await findLeftovers({ ...run, pids: [...pids], addresses })).toEqual(NO_LEFTOVERS);
  }, 90_000);
});
