import path from "node:path";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import { parseEndpointsFile } from "../../stack/runtimes/attach/endpoints-file.ts";
import { assembleRun } from "../shared/assemble-run.ts";
import { planSignoff } from "./signoff-plan.ts";

const REPO = path.resolve(import.meta.dirname, "../..");
const manifestsDir = path.join(REPO, "stack", "manifests");

describe("planSignoff", () => {
  it("should refuse the local runtime with the blockers assembleRun would write for the same components", { timeout: 60_000 }, async () => {
    const plan = await planSignoff({ runtime: { runtime: "local", reason: "--runtime local" }, manifestsDir, profile: "documented" });
    const contract = loadContract();
    const assembled = assembleRun({
      scenario: "signoff",
      runId: "r",
      profile: profileOf(contract, "documented"),
      contract,
      runtime: plan.runtime,
      checks: [],
      startedAtMs: 0,
      clock: systemClock,
      statuses: plan.components.map((p) => ({ plan: p, status: { state: "not-started", reason: "planned" } })),
    });
    expect(plan.refusals).toEqual(assembled.signOff.blockers);
    expect(plan.refusals[0]).toBe("the local runtime runs Debian/upstream binaries, not the manifests' images");
    expect(plan.scenarios.map((s) => s.name)).toEqual(["conformance", "load", "chaos", "security"]);
    expect(plan.scenarios.find((s) => s.name === "security")!.checks.length).toBeGreaterThan(0);
  });

  it("should refuse the attach runtime, and plan the file's components as attached and the rest as unavailable", { timeout: 60_000 }, async () => {
    const attach = parseEndpointsFile("version: 1\ncomponents:\n  prometheus:\n    ports: { web: http://127.0.0.1:1 }\n", "endpoints.yaml", {});
    const plan = await planSignoff({ runtime: { runtime: "attach", reason: "--runtime attach", attach }, manifestsDir, profile: "documented" });
    expect(plan.refusals[0]).toBe(
      "the attach runtime did not start the stack: which images run there is not verified, and obsconf does not control the processes",
    );
    expect(plan.refusals).toContain("mimir did not run");
    expect(plan.components.find((c) => c.component === "prometheus")).toMatchObject({
      mode: "attached",
      endpoints: { web: "http://127.0.0.1:1" },
      file: "endpoints.yaml",
    });
    // Every fault of the drill is decided before start: attach controls no process.
    expect(plan.decided.length).toBeGreaterThan(0);
    expect(plan.decided.every((c) => c.status === "unsupported" && c.reason!.startsWith("attach: obsconf does not control the processes"))).toBe(true);
  });
});
