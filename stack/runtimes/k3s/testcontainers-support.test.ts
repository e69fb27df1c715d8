import { describe, expect, it } from "vitest";
import { nodeSupportOf, testcontainersSupport } from "./testcontainers-support.ts";

describe("nodeSupportOf", () => {
  it("should refuse a Node older than the package's engines.node and say which to run", () => {
    const old = nodeSupportOf({ version: "12.2.0", engines: { node: ">= 22.22.0" } }, "20.20.2");
    expect(old).toEqual({
      ok: false,
      reason:
        "testcontainers 12.2.0 requires Node >= 22.22.0, this is Node 20.20.2 (run obsconf on Node 22.22.0 or later, or install a testcontainers release that supports this Node)",
    });
  });

  it("should accept an equal or newer Node, and a package without engines.node", () => {
    expect(nodeSupportOf({ version: "12.2.0", engines: { node: ">=22.22" } }, "22.22.0")).toEqual({ ok: true, version: "12.2.0" });
    expect(nodeSupportOf({ version: "12.2.0", engines: { node: ">=22.22" } }, "24.1.0")).toEqual({ ok: true, version: "12.2.0" });
    expect(nodeSupportOf({ version: "11.14.0" }, "20.20.2")).toEqual({ ok: true, version: "11.14.0" });
  });
});

describe("testcontainersSupport", () => {
  it("should read the installed testcontainers (the pinned release supports this Node)", () => {
    expect(testcontainersSupport()).toMatchObject({ ok: true });
  });
});
