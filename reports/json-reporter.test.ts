import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../assertions/run-result.ts";
import { maskVolatile } from "./fixtures/mask-volatile.ts";
import { sampleRun } from "./fixtures/sample-run.ts";
import { JsonReporter } from "./json-reporter.ts";
import { checkRunResult, generateRunResultSchema } from "./run-result-schema.ts";

// An independent validator built straight from the schema file, as a consumer of the JSON would.
const schema = JSON.parse(readFileSync(new URL("./run-result.schema.json", import.meta.url), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormatsModule.default(ajv);
const validate = ajv.compile(schema);

function clone(result: RunResult): Record<string, any> {
  return JSON.parse(JSON.stringify(result));
}

describe("run-result.schema.json", () => {
  it("should be what the zod definition generates (npm run schema writes it)", () => {
    expect(schema).toEqual(generateRunResultSchema());
  });

  it("should be a draft 2020-12 schema", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  it("should accept the sample run, with every status and measurement shape", () => {
    expect(validate(sampleRun()), JSON.stringify(validate.errors)).toBe(true);
  });

  it("should accept a minimal passing run with no checks and no inventory", () => {
    const minimal = sampleRun({ checks: [], inventory: [], verdict: "pass", signOff: { eligible: true, blockers: [] } });
    expect(validate(minimal), JSON.stringify(validate.errors)).toBe(true);
  });

  it("should reject an unknown check status", () => {
    const bad = clone(sampleRun());
    bad.checks[0].status = "passed";
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toContain("/checks/0/status must be equal to one of the allowed values");
  });

  it("should reject properties the model does not have", () => {
    const bad = clone(sampleRun());
    bad.checks[1].measured.p50 = 1;
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toContain("/checks/1/measured must NOT have additional properties");
  });

  it("should reject a timestamp that is not RFC 3339", () => {
    const bad = clone(sampleRun());
    bad.startedAt = "yesterday";
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toContain('/startedAt must match format "date-time"');
  });

  it("should reject another schema version", () => {
    const bad = clone(sampleRun());
    bad.schemaVersion = 2;
    expect(validate(bad)).toBe(false);
  });
});

describe("JsonReporter", () => {
  it("should write run-result.json as the result, pretty-printed with a trailing newline", () => {
    const result = sampleRun();
    const file = new JsonReporter().onRunEnd(result);
    expect(file.fileName).toBe("run-result.json");
    expect(file.contents.endsWith("}\n")).toBe(true);
    expect(JSON.parse(file.contents)).toEqual(result);
  });

  it("should refuse a result that does not match the schema, naming the run and the field", () => {
    const bad = clone(sampleRun()) as RunResult;
    (bad.checks[0] as { status: string }).status = "passed";
    expect(() => new JsonReporter().onRunEnd(bad)).toThrow(
      'run run-20250602-100000-a1b2: result does not match run-result.schema.json: /checks/0/status: Invalid option: expected one of "pass"|"fail"|"unsupported"|"unavailable"|"simulated"|"error"',
    );
  });

  it("should report schema errors as data from checkRunResult", () => {
    expect(checkRunResult({})).toEqual({ valid: false, errors: expect.arrayContaining(["/runId: Invalid input: expected string, received undefined"]) });
    expect(checkRunResult(sampleRun())).toEqual({ valid: true });
  });

  it("should refuse a histogram whose counts do not match its bounds, and a verdict that contradicts the checks", () => {
    const bad = clone(sampleRun());
    bad.checks[0].measured.histogram.counts.pop();
    bad.verdict = "pass";
    expect(checkRunResult(bad)).toEqual({
      valid: false,
      errors: [
        "/checks/0/measured/histogram: expected 8 counts (bounds + the +Inf bucket), saw 7",
        "/verdict: expected error from the checks' statuses, saw pass",
      ],
    });
  });

  it("should match the snapshot after masking times, hosts and durations", () => {
    expect(maskVolatile(new JsonReporter().onRunEnd(sampleRun()).contents)).toMatchSnapshot();
  });
});
