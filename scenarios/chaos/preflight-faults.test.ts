import { describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import type { Fault, Preflight } from "../../chaos/index.ts";
import { parseFaultSpec } from "../../chaos/index.ts";
import { preflightFaults } from "./preflight-faults.ts";

const fake = (text: string, answer: Preflight): Fault => ({
  spec: parseFaultSpec(text, { file: "test" }),
  name: text,
  preflight: async () => answer,
  inject: async () => {
    throw new Error("not in this test");
  },
});

describe("preflightFaults", () => {
  it("should report a fault the host cannot do as an unsupported check with its reason, and keep the others in order", async () => {
    const faults = [
      fake("kill:prometheus", { status: "supported", how: "SIGKILL", needs: [] }),
      fake("loss:prometheus:30%", { status: "unsupported", reason: "not root: loss needs a network namespace" }),
      fake("delay:prometheus:200ms", {
        status: "supported",
        how: "userspace TCP proxy (no sch_netem)",
        needs: [{ kind: "proxy", component: "prometheus", port: "web", mode: "tcp" }],
      }),
    ];
    const result = await preflightFaults(faults, { runtime: "local" }, new ManualClock(1_795_555_440_000));
    expect(result.supported.map((s) => [s.fault.name, s.index, s.how])).toEqual([
      ["kill:prometheus", 0, "SIGKILL"],
      ["delay:prometheus:200ms", 2, "userspace TCP proxy (no sch_netem)"],
    ]);
    expect(result.needs).toEqual([{ kind: "proxy", component: "prometheus", port: "web", mode: "tcp" }]);
    expect(result.unsupported).toEqual([
      {
        id: "chaos.loss:prometheus:30%.fault",
        title: "Fault loss:prometheus:30%",
        pillar: "stack",
        status: "unsupported",
        reason: "not root: loss needs a network namespace",
        evidence: [],
        startedAt: "2026-11-24T21:24:00.000Z",
        durationMs: 0,
      },
    ]);
  });
});
