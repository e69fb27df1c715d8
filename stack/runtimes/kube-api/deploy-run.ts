import path from "node:path";
import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { systemClock, type Clock } from "../../../common/clock.ts";
import { TimeoutError } from "../../../common/errors.ts";
import { silentLogger, type Logger } from "../../../common/log.ts";
import type { ComponentSpec } from "../../manifest/component-spec.ts";
import type { ComponentPlan } from "../../plan.ts";
import type { ComponentStatus } from "../../started-stack.ts";
import { apiErrorDetail } from "./api-error.ts";
import { applyObjects } from "./apply.ts";
import { collectDiagnostics } from "./collect-diagnostics.ts";
import { headerOf, type KubeObject } from "./kube-object.ts";
import { waitForRollouts } from "./rollout.ts";
import { readiness, type WorkloadObject } from "./workload-status.ts";

export interface DeployRunOptions {
  objects: readonly KubeObject[];
  specs: readonly ComponentSpec[];
  plans: readonly ComponentPlan[];
  runId: string;
  /** Namespaces whose workloads belong to the run (diagnostics are collected there). */
  namespaces: readonly string[];
  runDir: string;
  /** One deadline for every rollout. */
  timeoutMs: number;
  intervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface DeployedRun {
  statuses: ComponentStatus[];
  /** Describe-like files of the workloads that did not become ready (run dir `diagnostics/`). */
  diagnostics: string[];
  /** The rollout error when not every workload became ready. */
  rolloutError?: string;
}

export const FIELD_MANAGER = "obsconf";

/**
 * Applies the run's objects in the order given (server-side apply), waits for every rollout to one
 * deadline, and turns the outcome into per-component states: a component whose workload is ready
 * is `ready`; one that is not is `error` with its workload's state, the rollout error and the
 * diagnostics file written for it. An apply failure is a harness fault and is thrown.
 */
export async function deployRun(kc: KubeConfig, options: DeployRunOptions): Promise<DeployedRun> {
  const { objects, specs, plans, timeoutMs, clock = systemClock, logger = silentLogger } = options;
  const startedAt = clock.monotonicMs();
  logger.info(`  applying ${objects.length} objects (server-side apply, field manager ${FIELD_MANAGER})`);
  await applyObjects(kc, objects, { fieldManager: FIELD_MANAGER });
  logger.info(`  waiting up to ${timeoutMs}ms for ${specs.length} rollouts`);
  let rolloutError: string | undefined;
  try {
    await waitForRollouts(kc, objects, { timeoutMs, clock, ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}) });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    rolloutError = error.message;
    logger.error(rolloutError);
  }
  const readyAfterMs = Math.round(clock.monotonicMs() - startedAt);
  const states = rolloutError === undefined ? undefined : await readStates(kc, objects, specs);
  const diagnostics: string[] = [];
  if (rolloutError !== undefined) {
    for (const namespace of options.namespaces) {
      diagnostics.push(
        ...(await collectDiagnostics(kc, { namespace, runId: options.runId, dir: path.join(options.runDir, "diagnostics") }).catch((error: unknown) => {
          logger.warn(`diagnostics of ${namespace} could not be collected: ${apiErrorDetail(error)}`);
          return [];
        })),
      );
    }
  }
  const statuses = specs.map((spec, index): ComponentStatus => {
    const plan = plans[index]!;
    const state = states?.get(spec.name);
    if (state === undefined || state.ready) return { plan, status: { state: "ready", readyAfterMs } };
    const file = diagnostics.find((f) => path.basename(f) === `${spec.workload.kind.toLowerCase()}-${spec.workload.name}.txt`);
    return {
      plan,
      status: {
        state: "error",
        error: `${spec.workload.kind} ${spec.workload.name} not ready after ${timeoutMs}ms (${state.summary})${file ? `; diagnostics: ${file}` : ""}\n${rolloutError}`,
      },
    };
  });
  return { statuses, diagnostics, ...(rolloutError !== undefined ? { rolloutError } : {}) };
}

/** Each component's workload read once: ready or not, and its summary. */
async function readStates(
  kc: KubeConfig,
  objects: readonly KubeObject[],
  specs: readonly ComponentSpec[],
): Promise<Map<string, { ready: boolean; summary: string }>> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const states = new Map<string, { ready: boolean; summary: string }>();
  for (const spec of specs) {
    const workload = objects.find((o) => o.kind === spec.workload.kind && o.metadata.name === spec.workload.name);
    if (!workload) {
      states.set(spec.name, { ready: false, summary: "not in the rendered manifests" });
      continue;
    }
    try {
      states.set(spec.name, readiness(await api.read<WorkloadObject>(headerOf(workload))));
    } catch (error) {
      states.set(spec.name, { ready: false, summary: `read failed: ${apiErrorDetail(error)}` });
    }
  }
  return states;
}
