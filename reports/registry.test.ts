import { describe, expect, it } from "vitest";
import { isReportFormat, reportFormats, reporters } from "./registry.ts";

describe("reporters registry", () => {
  it("should map every format name to a fresh reporter of that format", () => {
    expect(reportFormats).toEqual(["json", "junit", "markdown", "html"]);
    for (const format of reportFormats) {
      const reporter = reporters[format]();
      expect(reporter.format).toBe(format);
      expect(reporters[format]()).not.toBe(reporter);
    }
  });
  it("should tell format names from other strings", () => {
    expect(isReportFormat("junit")).toBe(true);
    expect(isReportFormat("toString")).toBe(false);
    expect(isReportFormat("xml")).toBe(false);
  });
});
