// The module map of DESIGN.md as rules (tests included): an arrow there is an import allowed here.
//   common -> nothing internal; stack -> common; load, chaos, assertions -> common, stack (never each
//   other); scenarios -> all of those; reports -> common + assertions' RunResult types;
//   scripts and bench -> anything; nothing but bin/ imports scripts (bench only from scripts).
const layer = (name) => `^${name}/`;
const others = (...names) => `^(${names.join("|")})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "common-imports-nothing-internal",
      comment: "common/ holds the clock, polling, errors and the types that cross layers; it imports no other layer",
      severity: "error",
      from: { path: layer("common") },
      to: { path: others("stack", "load", "chaos", "assertions", "scenarios", "reports", "scripts", "bench") },
    },
    {
      name: "stack-imports-only-common",
      comment: "stack/ (manifests, runtimes, clients, sinks) may import common/ only",
      severity: "error",
      from: { path: layer("stack") },
      to: { path: others("load", "chaos", "assertions", "scenarios", "reports", "scripts", "bench") },
    },
    {
      name: "load-imports-common-and-stack",
      comment: "load/ never imports chaos/ or assertions/: what they share is a type in common/ or a client in stack/",
      severity: "error",
      from: { path: layer("load") },
      to: { path: others("chaos", "assertions", "scenarios", "reports", "scripts", "bench") },
    },
    {
      name: "chaos-imports-common-and-stack",
      comment: "chaos/ never imports load/ or assertions/",
      severity: "error",
      from: { path: layer("chaos") },
      to: { path: others("load", "assertions", "scenarios", "reports", "scripts", "bench") },
    },
    {
      name: "assertions-imports-common-and-stack",
      comment: "assertions/ never imports load/ or chaos/",
      severity: "error",
      from: { path: layer("assertions") },
      to: { path: others("load", "chaos", "scenarios", "reports", "scripts", "bench") },
    },
    {
      name: "scenarios-do-not-import-reports-or-scripts",
      comment: "scenarios return RunResult data; reports and the CLI consume it",
      severity: "error",
      from: { path: layer("scenarios") },
      to: { path: others("reports", "scripts", "bench") },
    },
    {
      name: "reports-read-run-results-only",
      comment: "reports/ consume results only: common/ and assertions' result models (a run's RunResult, a baseline diff's RunDiff)",
      severity: "error",
      from: { path: layer("reports") },
      to: { path: "^(stack|load|chaos|scenarios|scripts|bench)/|^assertions/(?!(run-result|regression/run-diff)\\.ts$)" },
    },
    {
      name: "nothing-imports-scripts",
      comment: "scripts/ are entry points (CLI, zx); nothing imports them",
      severity: "error",
      from: { pathNot: "^(scripts|bin)/" },
      to: { path: layer("scripts") },
    },
    {
      name: "bench-only-from-scripts",
      comment: "bench/ is run by scripts/bench.ts only",
      severity: "error",
      from: { pathNot: "^(scripts|bench)/" },
      to: { path: layer("bench") },
    },
    {
      name: "no-circular",
      comment: "a runtime import cycle inside a layer (type-only cycles are harmless: erased at compile time)",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|runs|reports/out|\\.scratch)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".mjs", ".js", ".json"] },
  },
};
