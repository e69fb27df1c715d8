import type { RunResult } from "../../assertions/run-result.ts";
import { InputError } from "../../common/errors.ts";
import { createFault, mergePlacements, parseFaultSpec, type Fault } from "../../chaos/index.ts";
import { collectorKafkaRoutesIn } from "../../stack/components/collector-kafka-topics.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { ready } from "../../stack/clients/reach.ts";
import { shortForOverrides } from "../checks/alert-group.ts";
import { checkGroup } from "../shared/check-group.ts";
import { runScenario, type Scenario, type ScenarioOptions } from "../shared/run-backbone.ts";
import { DRILL_ALERTS } from "./alert-timing.ts";
import { chaosTimeline } from "./chaos-timeline.ts";
import { defaultFaults } from "./default-faults.ts";
import { Drill, type DrillPaths } from "./drill.ts";
import { faultGroup } from "./fault-group.ts";
import { preflightFaults, type PreflightedFaults } from "./preflight-faults.ts";

export interface ChaosScenarioOptions {
  /** Fault specs (`kind:component[@port][:argument]`); default: the profile's list (default-faults.ts). */
  faults?: readonly string[];
  /** The stack's manifests: a fault on Kafka reads which topic each signal reaches from the collector's config there. */
  manifestsDir?: string;
}

export type ChaosOptions = Omit<ScenarioOptions, "only"> & ChaosScenarioOptions;

type ChaosPlan = PreflightedFaults & { faults: readonly Fault[]; shortenedFrom: Map<string, number>; paths: DrillPaths; drill?: Drill };

/**
 * `obsconf run chaos`: for each fault, with canaries writing and reading through the real stack and
 * write+read probes running through the whole drill: steady state, inject, hold, heal, recover; then
 * every acknowledged write accounted for (RPO), recovery timed (RTO), availability, and the stack's
 * own health alerts under the fault. The faults are preflighted before anything starts (one this host
 * cannot do is `unsupported`); the runtime places what they need (proxies, namespaces, tmpfs).
 */
export function chaosScenario(options: ChaosScenarioOptions = {}): Scenario<ChaosPlan> {
  return {
    name: "chaos",
    checkIds: ["chaos.availability"],
    order: "sequential",
    deaths: "measured",
    plan: async ({ runtime, profile, clock }) => {
      const faults = (options.faults?.length ? options.faults : defaultFaults(profile.name)).map((text) => {
        const spec = parseFaultSpec(text, { file: "command line", field: "--fault" });
        if (!COMPONENT_NAMES.includes(spec.component))
          throw new InputError(
            { file: "command line", field: "--fault" },
            `a component of the manifests (${COMPONENT_NAMES.join(", ")})`,
            `${JSON.stringify(spec.component)} in ${JSON.stringify(text)}`,
          );
        return createFault(spec);
      });
      const paths = await drillPaths(faults, options.manifestsDir);
      return { faults, shortenedFrom: new Map(), paths, ...(await preflightFaults(faults, { runtime: runtime.runtime }, clock)) };
    },
    describe: (plan) => [`chaos drill: ${plan.faults.length} faults (${plan.supported.length} supported here)`],
    decided: (plan) => plan.unsupported,
    overrides: (plan, profile) => shortForOverrides(profile, plan.shortenedFrom, DRILL_ALERTS),
    placements: (plan) => mergePlacements(plan.needs),
    groups: (plan, ctx) => {
      const drill = (plan.drill = new Drill(ctx, plan.shortenedFrom, plan.paths));
      const availability = checkGroup({
        ids: ["chaos.availability"],
        needs: () => ready(drill),
        run: async () => ((await drill.setup()) ? [await drill.availability()] : []),
      });
      return [...plan.supported.map(({ fault, index }) => faultGroup(drill, fault, index)), availability];
    },
    finish: (plan, ctx) => {
      const drill = plan.drill!;
      const timeline = chaosTimeline({
        phases: drill.phases,
        probes: drill.probes,
        notifications: ctx.instruments.notifications(),
        fromMs: drill.startedAtMs,
        toMs: ctx.clock.nowMs(),
      });
      // A component that died on its own during the drill is measured like a fault (the canaries and
      // probes saw it); the timeline says when, so the losses around it read right.
      const deaths = (ctx.stack.deaths?.() ?? []).map((d) => ({ kind: "note" as const, label: d.summary, atMs: d.atMs }));
      return { timeline: { ...timeline, events: [...timeline.events, ...deaths].sort((a, b) => a.atMs - b.atMs) } };
    },
  };
}

/** What the drill reads from the manifests before anything starts: the collector's Kafka routes, when a fault is on Kafka. */
async function drillPaths(faults: readonly Fault[], manifestsDir: string | undefined): Promise<DrillPaths> {
  if (!faults.some((f) => f.spec.component === "kafka")) return { kafkaRoutes: { unknown: "no fault on kafka" } };
  if (manifestsDir === undefined) return { kafkaRoutes: { unknown: "no manifests were given to the drill" } };
  const routes = await collectorKafkaRoutesIn(manifestsDir);
  return { kafkaRoutes: Object.fromEntries(Object.entries(routes).flatMap(([signal, list]) => (list?.[0] ? [[signal, list[0]]] : []))) };
}

export function runChaos(options: ChaosOptions): Promise<RunResult> {
  return runScenario(chaosScenario(options), options);
}
