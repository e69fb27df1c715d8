import { describe, expect, it } from "vitest";
import { boundOf } from "./bound.ts";

describe("boundOf", () => {
  it("should say neither side bounded a run whose offer was accepted", () => {
    expect(boundOf({ offeredPerSec: 100, acceptedPerSec: 98, senderCpuPctOfCore: 99, senderCores: 1 })).toEqual({
      side: "neither",
      why: "the offered rate was accepted (98.0 %)",
    });
  });

  it("should name the generator when it used its cores and the receiver when the generator idled", () => {
    expect(boundOf({ offeredPerSec: 100, acceptedPerSec: 50, senderCpuPctOfCore: 90, senderCores: 1 })).toEqual({
      side: "generator",
      why: "the sender used 90 % of a core (of 1); accepted 50.0 % of offered",
    });
    expect(boundOf({ offeredPerSec: 100, acceptedPerSec: 50, senderCpuPctOfCore: 90, senderCores: 2 })).toEqual({
      side: "receiver",
      why: "accepted 50.0 % of offered while the sender used only 90 % of a core",
    });
  });
});
