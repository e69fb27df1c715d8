import { describe, expect, it } from "vitest";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import { systemClock } from "../../common/clock.ts";
import { Ledger } from "../../common/ledger.ts";
import { silentLogger } from "../../common/log.ts";
import { absent, ready } from "../../stack/clients/reach.ts";
import type { ComponentDeath, StartedStack } from "../../stack/started-stack.ts";
import { checkFilter } from "./check-filter.ts";
import { checkGroup, runGroups } from "./check-group.ts";
import type { RunContext } from "./run-context.ts";

const contract = loadContract();
const ctx = {
  runId: "r",
  contract,
  profile: profileOf(contract, "ci"),
  ledger: new Ledger(),
  clock: systemClock,
  logger: silentLogger,
  startedAtMs: Date.now(),
  started: () => {},
} as unknown as RunContext;
const check = (id: string) => ({
  id,
  title: id,
  pillar: "metrics" as const,
  status: "pass" as const,
  evidence: [],
  startedAt: new Date().toISOString(),
  durationMs: 1,
});

describe("runGroups", () => {
  it("should turn a group's needs into its checks' status: unavailable, fail (did not start at the pin) or error (another version)", async () => {
    const groups = [
      checkGroup({ ids: ["metrics.ingestion.push"], needs: () => absent("no prometheus on PATH"), run: async () => [] }),
      checkGroup({ ids: ["query.promql"], needs: () => absent("prometheus 3.5.0 did not start: err", "fail"), run: async () => [] }),
      checkGroup({ ids: ["query.logql"], needs: () => absent("loki 2.8.0 did not start, and the manifests pin 3.5.0", "error"), run: async () => [] }),
    ];
    const checks = await runGroups(groups, ctx, { filter: checkFilter(undefined) });
    expect(checks.map((c) => [c.id, c.status, c.reason])).toEqual([
      ["metrics.ingestion.push", "unavailable", "no prometheus on PATH"],
      ["query.promql", "fail", "prometheus 3.5.0 did not start: err"],
      ["query.logql", "error", "loki 2.8.0 did not start, and the manifests pin 3.5.0"],
    ]);
  });

  it("should end at once, as fail naming the death, the groups going through a component that died, and let the others finish", async () => {
    let announce: (death: ComponentDeath) => void = () => {};
    const stack = { onDeath: (listener: (death: ComponentDeath) => void) => ((announce = listener), () => {}) } as Pick<StartedStack, "onDeath">;
    let aborted: unknown;
    const slow = checkGroup({
      ids: ["metrics.ingestion.push"],
      needs: () => ready(1, [], ["prometheus"]),
      run: (c) => new Promise((_, reject) => c.signal?.addEventListener("abort", () => reject((aborted = c.signal?.reason)))),
    });
    const other = checkGroup({ ids: ["logs.ingestion"], needs: () => ready(1, [], ["loki"]), run: async () => [check("logs.ingestion")] });
    const death: ComponentDeath = {
      component: "prometheus",
      pid: 7,
      atMs: Date.now(),
      sinceStartMs: 15_000,
      exit: { code: null, signal: "SIGKILL" },
      lastLogLines: "level=info msg=ready",
      summary: "prometheus exited (signal KILL) at 15 s",
    };
    const running = runGroups([slow, other], ctx, { filter: checkFilter(undefined), deaths: stack });
    setTimeout(() => announce(death), 20);
    const checks = await running;
    expect(checks.find((c) => c.id === "logs.ingestion")?.status).toBe("pass");
    expect(checks.find((c) => c.id === "metrics.ingestion.push")).toMatchObject({
      status: "fail",
      reason: "prometheus exited (signal KILL) at 15 s; its last output:\nlevel=info msg=ready",
    });
    expect(String(aborted)).toContain("prometheus exited (signal KILL) at 15 s");
  });
});
