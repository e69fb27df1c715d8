import { cpus } from "node:os";
import { describe, expect, it } from "vitest";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import { describeGenerator, workersFor } from "./load-generators.ts";
import { planLoad } from "./load-plan.ts";

const contract = loadContract();

describe("load generator sizing", () => {
  it("should size each ci generator for about 10 requests a second within the generators' bounds", () => {
    const plan = planLoad(contract, profileOf(contract, "ci"));
    expect(plan.signals.map(describeGenerator)).toEqual([
      "remote write 1.0: 50000 series, 500 samples per request, each series sampled every 10000ms; at most 8 sends in flight per worker; 1 worker process",
      "Loki push (protobuf + snappy): about 1157 line bytes per request; at most 8 sends in flight per worker; 1 worker process",
      "OTLP/HTTP protobuf: about 50 spans per request (whole traces); at most 8 sends in flight per worker; 1 worker process",
    ]);
  });

  it("should cap the documented metrics load at 100K series in one worker, and split only above 2M samples/s per worker", () => {
    const plan = planLoad(contract, profileOf(contract, "documented"));
    expect(describeGenerator(plan.signals[0]!)).toMatch(
      /^remote write 1\.0: 100000 series, 2000 samples per request, each series sampled every 100ms; at most (63|64) sends in flight per worker; \d+ worker process/,
    );
    expect(describeGenerator(plan.signals[0]!)).toMatch(/; 1 worker process$/);
    expect(workersFor("metrics", 1_000_000)).toBe(1);
    expect(workersFor("metrics", 4_000_000)).toBe(Math.min(2, cpus().length));
    expect(workersFor("metrics", 100_000_000)).toBe(cpus().length);
    expect(workersFor("traces", 10_000)).toBe(1);
  });
});
