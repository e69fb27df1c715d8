import type { KubeConfig } from "@kubernetes/client-node";
import { systemClock, type Clock } from "../../common/clock.ts";
import { loadContract, profileOf } from "../../assertions/contract.ts";
import { contractRowDefs, plannedTarget, rowsMeasuredBy, type ContractRowDef } from "../../assertions/contract-rows.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { securityChecks } from "../../assertions/security/security-checks.ts";
import { COMPONENT_NAMES, componentDef } from "../../stack/components/index.ts";
import { extractComponents } from "../../stack/manifest/component-spec.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import type { ComponentPlan } from "../../stack/plan.ts";
import { k6OperatorState } from "../../stack/runtimes/cluster/k6-operator.ts";
import { describeKubeContext, loadKubeContext } from "../../stack/runtimes/cluster/kube-context.ts";
import { planK3s } from "../../stack/runtimes/k3s/k3s-plan.ts";
import { imagePlan } from "../../stack/runtimes/kube/image-plan.ts";
import { planKube } from "../../stack/runtimes/kube/plan-kube.ts";
import { renderForTarget } from "../../stack/runtimes/kube/render.ts";
import { runNamespace } from "../../stack/runtimes/kube/run-namespace.ts";
import { planLocal } from "../../stack/runtimes/local/plan-local.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";
import { inventoryOf } from "../shared/inventory.ts";
import { checkBlockers, runBlockers } from "../shared/run-blockers.ts";
import { signoffParts, type SignoffScenarioOptions } from "./run-signoff.ts";

export interface PlanSignoffOptions extends SignoffScenarioOptions {
  runtime: RuntimeChoice;
  manifestsDir: string;
  contractFile?: string;
  /** The profile a sign-off runs at: documented (another one is refused, and planned so it says why). */
  profile: string;
  bins?: Readonly<Record<string, string>>;
  /** cluster: a loaded kubeconfig (tests: the API double's); default: `--context` of KUBECONFIG. */
  kubeConfig?: KubeConfig;
  clock?: Clock;
}

/** One planned check: its id in the sign-off and the contract rows it will measure. */
export interface PlannedCheck {
  id: string;
  scenario: string;
  rows: readonly string[];
}

/** What `obsconf run signoff` would do, decided before anything starts (`plan signoff`, `run signoff --dry-run`, and the refusal). */
export interface SignoffPlan {
  runtime: RuntimeChoice;
  profile: string;
  contractVersion: string;
  /** cluster: the kube context and what the API server said (the k6-operator's CRD). */
  facts: readonly string[];
  scenarios: readonly { name: string; describe: readonly string[]; checks: readonly PlannedCheck[] }[];
  /** Each contract row with the planned checks that will measure it (none: the sign-off cannot cover it). */
  rows: readonly (ContractRowDef & { checks: readonly string[] })[];
  components: readonly ComponentPlan[];
  /** Checks decided now (a fault this runtime cannot do: unsupported). */
  decided: readonly CheckResult[];
  /** Why the run is refused before anything starts: the runtime, the profile, a simulated or absent component, a runtime that cannot start. */
  refusals: readonly string[];
  /** What is known now to fail the sign-off although the run can go ahead (decided checks, rows no check measures, unreachable instruments). */
  predicted: readonly string[];
}

/**
 * The sign-off planned without starting anything: each part's plan (the drill's faults preflighted for
 * this runtime), the checks by contract row, the components as this runtime would run them (their
 * images), and the blockers in the words the report would use. Local and attach are refused by the
 * runtime blocker; k3s when the engine or image is missing; any runtime when a component would be
 * simulated or absent, or the profile is not documented. Contacts the cluster's API server (read only)
 * on `cluster`, the container engine on `k3s`.
 */
export async function planSignoff(o: PlanSignoffOptions): Promise<SignoffPlan> {
  const clock = o.clock ?? systemClock;
  const contract = loadContract(o.contractFile);
  const profile = profileOf(contract, o.profile);
  const { components, facts, runtimeRefusals, predicted } = await planComponents(o);
  const parts = signoffParts(o);
  const security = securityChecks(await loadManifests(o.manifestsDir), { nowMs: clock.nowMs() });
  const scenarios: SignoffPlan["scenarios"][number][] = [];
  const decided: CheckResult[] = [];
  const scenarioBlockers: string[] = [];
  for (const part of parts) {
    const plan = await part.scenario.plan({ runtime: o.runtime, contract, profile, clock });
    const partDecided = (part.scenario.decided?.(plan) ?? []).map((c) => ({ ...c, id: `${part.prefix}${c.id}` }));
    decided.push(...partDecided);
    scenarioBlockers.push(...(part.scenario.blockers?.(plan, profile) ?? []).map((b) => `${part.name}: ${b}`));
    const ids = part.name === "chaos" ? chaosIds(plan as ChaosPlanView) : part.scenario.checkIds;
    const checks = ids.map((base): PlannedCheck => {
      const id = `${part.prefix}${base}`;
      const target = plannedTarget(base, contract);
      return { id, scenario: part.name, rows: rowsMeasuredBy({ id, ...(target ? { target } : {}) }, contract) };
    });
    scenarios.push({ name: part.name, describe: part.scenario.describe?.(plan) ?? [], checks });
  }
  scenarios.push({
    name: "security",
    describe: [
      `static checks of the manifests, decided now: ${security.filter((c) => c.status === "pass").length} pass, ${security.filter((c) => c.status !== "pass").length} do not`,
    ],
    checks: security.map((c) => ({ id: c.id, scenario: "security", rows: [] })),
  });
  decided.push(...security.filter((c) => c.status !== "pass"));
  const planned = scenarios.flatMap((s) => s.checks);
  const rows = contractRowDefs(contract).map((def) => ({ ...def, checks: planned.filter((c) => c.rows.includes(def.key)).map((c) => c.id) }));
  const inventory = inventoryOf(components.map((plan) => ({ plan, status: { state: "not-started", reason: "planned" } })));
  const refusals = [...runtimeRefusals, ...runBlockers({ profileName: profile.name, runtime: o.runtime.runtime, inventory, scenarioBlockers, checks: [] })];
  return {
    runtime: o.runtime,
    profile: profile.name,
    contractVersion: contract.version,
    facts,
    scenarios,
    rows,
    components,
    decided,
    refusals,
    predicted: [
      ...decided.map((c) => `${checkBlockers([c])[0]}${c.reason ? `: ${c.reason}` : ""}`),
      ...rows.filter((r) => r.checks.length === 0).map((r) => `contract row ${r.key} (${r.seedRow}) is measured by no check of this sign-off`),
      ...predicted,
    ],
  };
}

type ChaosPlanView = { supported: { fault: { name: string; spec: { component: string } } }[]; unsupported: CheckResult[] };

/** The drill's check ids as the plan knows them: per supported fault its RPO and RTO (logs or traces too for a Loki or Tempo fault), per unsupported fault its `fault` check. */
function chaosIds(plan: ChaosPlanView): string[] {
  const perFault = plan.supported.flatMap(({ fault }) => {
    const signals = ["metrics", ...(fault.spec.component === "loki" ? ["logs"] : fault.spec.component === "tempo" ? ["traces"] : [])];
    return signals.flatMap((s) => [`chaos.${fault.name}.rpo.${s}`, `chaos.${fault.name}.rto.${s}`]);
  });
  return [...plan.unsupported.map((c) => c.id), ...perFault, "chaos.availability"];
}

async function planComponents(
  o: PlanSignoffOptions,
): Promise<{ components: ComponentPlan[]; facts: string[]; runtimeRefusals: string[]; predicted: string[] }> {
  switch (o.runtime.runtime) {
    case "local": {
      const specs = extractComponents(await loadManifests(o.manifestsDir), COMPONENT_NAMES);
      return { components: await planLocal(specs, { bins: o.bins ?? {} }), facts: [], runtimeRefusals: [], predicted: [] };
    }
    case "attach": {
      const specs = extractComponents(await loadManifests(o.manifestsDir), COMPONENT_NAMES);
      const file = o.runtime.attach;
      const components = specs.map((spec): ComponentPlan => {
        const base = { component: spec.name, title: componentDef(spec.name).title, image: spec.image.ref, manifestVersion: spec.image.tag };
        const attached = file?.components[spec.name];
        return attached
          ? { ...base, mode: "attached", endpoints: attached.ports, file: file!.file }
          : { ...base, mode: "unavailable", reason: `not in the endpoints file ${file?.file ?? "(none)"}` };
      });
      return { components, facts: [], runtimeRefusals: [], predicted: [] };
    }
    case "k3s": {
      const k3s = await planK3s({
        manifestsDir: o.manifestsDir,
        ...(o.runtime.imagesDir ? { imagesDir: o.runtime.imagesDir } : {}),
        ...(o.runtime.probe ? { probe: o.runtime.probe } : {}),
      });
      return {
        components: k3s.plans,
        facts: [`k3s: ${k3s.probe.reason}`],
        runtimeRefusals: k3s.probe.usable ? [] : [`k3s cannot start here: ${k3s.probe.reason}`],
        predicted: [],
      };
    }
    case "cluster": {
      const kc = o.kubeConfig ?? loadKubeContext(o.runtime.context !== undefined ? { context: o.runtime.context } : {});
      const set = await loadManifests(o.manifestsDir);
      const specs = extractComponents(set, COMPONENT_NAMES);
      const target = { kind: "cluster" as const, namespace: runNamespace("run-id"), runId: "run-id" };
      const rendered = renderForTarget(set, target);
      const images = await imagePlan(rendered, { k3sImage: null });
      const operator = await k6OperatorState(kc);
      const facts = [
        describeKubeContext(kc),
        `namespace obsconf-<run-id>, created, labelled and deleted by the run`,
        `k6-operator: ${operator.detail}${o.load?.generator === "k6" ? "" : " (the load part uses the builtin generator on this machine unless --generator k6)"}`,
      ];
      const predicted = o.runtime.harnessAddress
        ? []
        : [
            "cluster without --harness-address: the cluster's pods cannot reach this machine's alert sinks and pull canary target, so alert delivery and the pull path cannot pass",
          ];
      const unreadable =
        "unreadable" in operator && operator.unreadable
          ? [`the cluster's API server did not answer a read (${describeKubeContext(kc)}): ${operator.detail}`]
          : [];
      return { components: planKube(specs, rendered, images, target), facts, runtimeRefusals: unreadable, predicted };
    }
  }
}
