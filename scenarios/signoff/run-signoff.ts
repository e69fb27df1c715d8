import { catalogTarget, identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import type { CheckResult, RunResult } from "../../assertions/run-result.ts";
import { securityChecks } from "../../assertions/security/security-checks.ts";
import { SECURITY_CHECK_IDS } from "../../assertions/security/security-finding.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { chaosScenario } from "../chaos/run-chaos.ts";
import { conformanceScenario } from "../conformance/run-conformance.ts";
import { loadScenario, type LoadScenarioOptions } from "../load/run-load.ts";
import type { CheckGroup } from "../shared/check-group.ts";
import { runScenario, type Scenario, type ScenarioOptions, type ScenarioPhase } from "../shared/run-backbone.ts";
import { SIGNOFF_FAULTS } from "./signoff-faults.ts";

/** The three scenarios of a sign-off, in the order they run on the one stack, and the prefix their check ids take in it. */
export const SIGNOFF_PARTS = [
  { name: "conformance", prefix: "" },
  { name: "load", prefix: "load." },
  { name: "chaos", prefix: "" },
] as const;

export interface SignoffScenarioOptions {
  /** The manifests the run starts from: their static `security.*` checks are part of the sign-off. */
  manifestsDir: string;
  /** `--generator` and `--bin k6=PATH` of the load part (its window is the profile's: a sign-off takes no `--duration`). */
  load?: Pick<LoadScenarioOptions, "generator" | "k6Bin">;
  /** Fault specs of the chaos part (default: SIGNOFF_FAULTS). */
  faults?: readonly string[];
}

type Part = { name: string; prefix: string; scenario: Scenario<unknown> };
type SignoffPlan = { plans: unknown[]; security: CheckResult[] };

/** The sign-off's parts as scenarios (exported for the plan: it asks each the same questions before anything starts). */
export function signoffParts(options: Omit<SignoffScenarioOptions, "manifestsDir"> = {}): Part[] {
  const scenarios = [
    conformanceScenario(),
    loadScenario({ ...options.load }),
    chaosScenario({ faults: options.faults ?? SIGNOFF_FAULTS }),
  ] as Scenario<unknown>[];
  return SIGNOFF_PARTS.map((p, i) => ({ ...p, scenario: scenarios[i]! }));
}

/**
 * `obsconf run signoff`: conformance, then load, then the chaos drill, as one run on one started stack
 * (one RunResult, strict, with one verdict per contract row), with the manifests' static `security.*`
 * checks decided before it starts. Each part keeps its own plan, instruments,
 * overrides and checks; the load part's ids take the `load.` prefix, since its canaries and query suites
 * under load share ids with conformance's. The backbone runs the parts as phases: conformance and load
 * concurrently within their phase with component deaths ending their checks, the drill sequentially
 * with deaths measured.
 */
export function signoffScenario(options: SignoffScenarioOptions): Scenario<SignoffPlan> {
  const parts = signoffParts(options);
  const phases = (plan: SignoffPlan, ctx: Parameters<NonNullable<Scenario<SignoffPlan>["phases"]>>[1]): ScenarioPhase[] =>
    parts.map((part, i) => ({
      name: part.name,
      groups: () => part.scenario.groups(plan.plans[i], ctx).map((g) => prefixed(g, part.prefix)),
      ...(part.scenario.order ? { order: part.scenario.order } : {}),
      ...(part.scenario.deaths ? { deaths: part.scenario.deaths } : {}),
    }));
  return {
    name: "signoff",
    signoff: true,
    checkIds: [...parts.flatMap((p) => p.scenario.checkIds.map((id) => `${p.prefix}${id}`)), ...SECURITY_CHECK_IDS],
    plan: async (input) => {
      const plans: unknown[] = [];
      for (const part of parts) plans.push(await part.scenario.plan(input));
      return { plans, security: securityChecks(await loadManifests(options.manifestsDir), { nowMs: input.clock.nowMs() }) };
    },
    instruments: (plan, profile) => Object.assign({}, ...parts.map((p, i) => p.scenario.instruments?.(plan.plans[i], profile) ?? {})),
    overrides: (plan, profile) => parts.flatMap((p, i) => p.scenario.overrides?.(plan.plans[i], profile) ?? []),
    placements: (plan) => parts.flatMap((p, i) => p.scenario.placements?.(plan.plans[i]) ?? []),
    describe: (plan) => parts.flatMap((p, i) => (p.scenario.describe?.(plan.plans[i]) ?? []).map((line) => `${p.name}: ${line}`)),
    decided: (plan) => [
      ...parts.flatMap((p, i) => (p.scenario.decided?.(plan.plans[i]) ?? []).map((c) => ({ ...c, id: `${p.prefix}${c.id}` }))),
      ...plan.security,
    ],
    phases,
    groups: (plan, ctx) => phases(plan, ctx).flatMap((p) => p.groups()),
    finish: async (plan, ctx, checks) => {
      let timeline: RunResult["timeline"];
      for (const [i, part] of parts.entries()) {
        // A part's finish sees its own checks under their own ids; the views share `evidence` with the run's checks, so notes it adds land there.
        const own = checks.filter((c) => owns(part, c.id)).map((c) => ({ ...c, id: c.id.slice(part.prefix.length) }));
        const finished = await part.scenario.finish?.(plan.plans[i], ctx, own);
        timeline ??= finished?.timeline;
      }
      return timeline ? { timeline } : {};
    },
    blockers: (plan, profile) => parts.flatMap((p, i) => (p.scenario.blockers?.(plan.plans[i], profile) ?? []).map((b) => `${p.name}: ${b}`)),
  };

  function owns(part: Part, id: string): boolean {
    if (part.prefix !== "") return id.startsWith(part.prefix);
    const prefixes = parts.filter((p) => p.prefix !== "").map((p) => p.prefix);
    if (prefixes.some((pre) => id.startsWith(pre))) return false;
    return part.name === "chaos" ? id.startsWith("chaos.") : !id.startsWith("chaos.") && !id.startsWith("security.");
  }
}

export function runSignoff(options: ScenarioOptions & SignoffScenarioOptions): Promise<RunResult> {
  return runScenario(signoffScenario(options), { ...options, strict: true });
}

/**
 * A check group under a prefix: its ids, the checks it reports and the ids it announces as started
 * all carry the prefix; its catalogue identity and target are those of the unprefixed id.
 */
function prefixed(group: CheckGroup, prefix: string): CheckGroup {
  if (prefix === "") return group;
  const strip = (id: string) => id.slice(prefix.length);
  return {
    ...group,
    ids: group.ids.map((id) => `${prefix}${id}`),
    identify: (id, startedAtMs, contract) => {
      const inner = group.identify
        ? group.identify(strip(id), startedAtMs, contract)
        : { identity: identityOf(strip(id) as CheckId, startedAtMs, group.titleSuffix), target: catalogTarget(contract, strip(id) as CheckId) };
      return { identity: { ...inner.identity, id }, ...(inner.target ? { target: inner.target } : {}) };
    },
    run: async (ctx, needs, simulatedBy) =>
      (await group.run({ ...ctx, started: (id) => ctx.started(`${prefix}${id}`) }, needs, simulatedBy)).map((c: CheckResult) => ({
        ...c,
        id: `${prefix}${c.id}`,
      })),
  };
}
