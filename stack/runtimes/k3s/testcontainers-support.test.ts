import { describe, expect, it } from "vitest";
import { testcontainersSupport } from "./testcontainers-support.ts";

describe("testcontainersSupport", () => {
  it("should compare this Node with the engines field of the installed testcontainers", () => {
    const installed = testcontainersSupport("999.0.0");
    expect(installed).toMatchObject({ ok: true });
    const old = testcontainersSupport("1.0.0");
    expect(old.ok).toBe(false);
    if (!old.ok) expect(old.reason).toMatch(/^testcontainers \S+ requires Node >= ?[\d.]+, this is Node 1\.0\.0 \(run obsconf on Node [\d.]+ or later, or install a testcontainers release that supports this Node\)$/);
  });
});
