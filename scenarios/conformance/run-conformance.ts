import type { RunResult } from "../../assertions/run-result.ts";
import { alertDeliveryGroup, shortForOverrides } from "../checks/alert-group.ts";
import { alertmanagerReceiversGroup, alertmanagerRoutesGroup } from "../checks/alert-config-groups.ts";
import { lokiRetentionGroup, prometheusConfigGroup } from "../checks/config-groups.ts";
import { kafkaIngestionGroup } from "../checks/kafka-groups.ts";
import { kubeStateMetricsGroup } from "../checks/kube-state-metrics-group.ts";
import { agentLogsGroup, logsIngestionGroup } from "../checks/logs-groups.ts";
import { metricsPullGroup, metricsPushGroup } from "../checks/metrics-groups.ts";
import { pendingGroups } from "../checks/pending-groups.ts";
import { promqlLongTermGroup, querySuiteGroup } from "../checks/suite-groups.ts";
import { tracesIngestionGroup } from "../checks/traces-group.ts";
import type { CheckGroup } from "../shared/check-group.ts";
import { runScenario, type Scenario, type ScenarioOptions } from "../shared/run-backbone.ts";

export interface ConformanceOptions extends ScenarioOptions {
  /** Negative control: every Nth canary trace is written without one child span. */
  omitChildSpanEvery?: number;
}

interface ConformancePlan {
  /** The manifest's `for` of each alert the profile shortened, filled as the override is applied. */
  shortenedFrom: Map<string, number>;
  omitChildSpanEvery?: number;
}

/** Every check of a conformance run, in the order of the seed's tables: metrics, alerts, logs, traces, queries. */
function conformanceGroups(plan: ConformancePlan): CheckGroup[] {
  return [
    prometheusConfigGroup(),
    alertmanagerRoutesGroup(),
    alertmanagerReceiversGroup(),
    metricsPushGroup(),
    metricsPullGroup(),
    querySuiteGroup("promql"),
    promqlLongTermGroup(),
    alertDeliveryGroup(plan.shortenedFrom),
    logsIngestionGroup(),
    agentLogsGroup(),
    lokiRetentionGroup(),
    querySuiteGroup("logql"),
    tracesIngestionGroup(plan.omitChildSpanEvery ? { omitChildSpanEvery: plan.omitChildSpanEvery } : {}),
    querySuiteGroup("traceql"),
    kafkaIngestionGroup(),
    kubeStateMetricsGroup(),
    ...pendingGroups(),
  ];
}

/**
 * `obsconf run conformance`: every pillar end to end on the stack from the manifests, checked against
 * the contract. The backbone (scenarios/shared/run-backbone.ts) starts and stops everything; this is
 * the list of checks and what the scenario adds: the pull target, the agent canary's pod, and the
 * profile's shortened `for` on the alerts it triggers.
 */
export function conformanceScenario(options: Pick<ConformanceOptions, "omitChildSpanEvery"> = {}): Scenario<ConformancePlan> {
  return {
    name: "conformance",
    checkIds: conformanceGroups({ shortenedFrom: new Map() }).flatMap((g) => g.ids),
    plan: () => ({ shortenedFrom: new Map(), ...(options.omitChildSpanEvery ? { omitChildSpanEvery: options.omitChildSpanEvery } : {}) }),
    instruments: (_plan, profile) => ({
      pullTarget: { count: profile.canaries.pullScrapes * profile.canaries.pullSeries, series: profile.canaries.pullSeries },
      agentPod: true,
    }),
    overrides: (plan, profile) => shortForOverrides(profile, plan.shortenedFrom),
    groups: conformanceGroups,
  };
}

export function runConformance(options: ConformanceOptions): Promise<RunResult> {
  return runScenario(conformanceScenario(options), options);
}
