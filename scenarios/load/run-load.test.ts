import { describe, expect, it } from "vitest";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import { systemClock } from "../../common/clock.ts";
import { silentLogger } from "../../common/log.ts";
import type { RunContext } from "../shared/run-context.ts";
import { loadScenario } from "./run-load.ts";

const contract = loadContract();

describe("loadScenario", () => {
  it("should list as its check ids exactly the ids its groups produce, in order", async () => {
    const scenario = loadScenario({});
    const run = await scenario.plan({ runtime: { runtime: "local", reason: "test" }, contract, profile: profileOf(contract, "ci"), clock: systemClock });
    // Building the groups reads only the logger and the clock; nothing runs until a group's run().
    const ctx = { logger: silentLogger, clock: systemClock } as unknown as RunContext;
    const groups = scenario.groups(run, ctx);
    run.stopProgress();
    expect(groups.flatMap((g) => g.ids)).toEqual(scenario.checkIds);
    expect(new Set(scenario.checkIds).size).toBe(scenario.checkIds.length);
  });
});
