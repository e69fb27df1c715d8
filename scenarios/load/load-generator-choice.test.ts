import { describe, expect, it } from "vitest";
import { InputError } from "../../common/errors.ts";
import { chooseLoadPath, parseLoadGenerator } from "./load-generator-choice.ts";

describe("parseLoadGenerator", () => {
  it("should accept builtin and k6", () => {
    expect(parseLoadGenerator("builtin")).toBe("builtin");
    expect(parseLoadGenerator(" k6 ")).toBe("k6");
  });

  it.each(["K6", "jmeter", ""])("should refuse %j with an InputError naming --generator", (value) => {
    expect(() => parseLoadGenerator(value)).toThrow(InputError);
    expect(() => parseLoadGenerator(value)).toThrow(`command line: field --generator: expected one of builtin, k6, saw ${JSON.stringify(value)}`);
  });
});

describe("chooseLoadPath", () => {
  const installed = { installed: true, detail: "CRD testruns.k6.io serves v1alpha1" };
  const absent = { installed: false, detail: "no CRD testruns.k6.io on the cluster (the k6-operator is not installed)" };

  it("should keep the builtin generators when asked for them, whatever the runtime", () => {
    expect(chooseLoadPath("builtin", { runtime: "local" })).toEqual({ kind: "builtin" });
    expect(chooseLoadPath("builtin", { runtime: "cluster", operator: installed })).toEqual({ kind: "builtin" });
  });

  it("should run k6 locally on the local and k3s runtimes", () => {
    expect(chooseLoadPath("k6", { runtime: "local" })).toEqual({ kind: "k6-local" });
    expect(chooseLoadPath("k6", { runtime: "k3s" })).toEqual({ kind: "k6-local" });
  });

  it("should use TestRuns on a cluster with the operator, and fall back to builtin with a note without it", () => {
    expect(chooseLoadPath("k6", { runtime: "cluster", operator: installed })).toEqual({ kind: "k6-operator", detail: installed.detail });
    const fallback = chooseLoadPath("k6", { runtime: "cluster", operator: absent });
    expect(fallback.kind).toBe("builtin");
    expect(fallback.kind === "builtin" && fallback.note).toBe(
      "--generator k6 on the cluster runtime needs the k6-operator: no CRD testruns.k6.io on the cluster (the k6-operator is not installed); the builtin generators ran from this machine through the harness's endpoints instead",
    );
  });
});
