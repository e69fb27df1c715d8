import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { silentLogger, type Logger } from "../../../common/log.ts";
import type { ComponentStatus, StackEndpoints, StartedStack, StoppedStack } from "../../started-stack.ts";
import { apiErrorDetail } from "./api-error.ts";
import { collectPodLogs } from "./collect-pod-logs.ts";

export interface KubeStackInit {
  runtime: "k3s" | "cluster";
  runId: string;
  runDir: string;
  kubeConfig: KubeConfig;
  /** Namespaces of the run: their pod logs are saved into `<runDir>/logs/<namespace>/` on stop. */
  namespaces: readonly string[];
  statuses: readonly ComponentStatus[];
  endpoints: StackEndpoints;
  rewrites: readonly string[];
  diagnostics: readonly string[];
  /** Where the stack's pods reach this machine (k3s: host.docker.internal or the gateway; cluster: --harness-address). */
  harnessAddress?: string;
  /** Tears the run down (stop the k3s container, delete the cluster namespace); runs once. */
  teardown: () => Promise<void>;
  logger?: Logger;
}

/**
 * What the k3s and cluster runtimes hand out: the same StartedStack as the local runtime (statuses,
 * endpoints keyed component -> Service port name, rewrites), plus the diagnostics files written
 * for workloads that did not become ready and the kubeconfig for callers that apply more (k6-operator).
 */
export class StartedKubeStack implements StartedStack {
  readonly runtime: "k3s" | "cluster";
  readonly runId: string;
  readonly runDir: string;
  readonly #init: KubeStackInit;
  readonly #stopHooks: (() => void)[] = [];
  #stopped: Promise<StoppedStack> | undefined;

  constructor(init: KubeStackInit) {
    this.runtime = init.runtime;
    this.runId = init.runId;
    this.runDir = init.runDir;
    this.#init = init;
  }

  components(): readonly ComponentStatus[] {
    return this.#init.statuses;
  }

  endpoints(): StackEndpoints {
    return this.#init.endpoints;
  }

  rewrites(): readonly string[] {
    return this.#init.rewrites;
  }

  /** Describe-like files (`<runDir>/diagnostics/<kind>-<name>.txt`) of the workloads that were not ready; reports link them as evidence of kind `file`. */
  diagnostics(): readonly string[] {
    return this.#init.diagnostics;
  }

  /**
   * The address at which the stack's pods reach the harness's instruments (alert sinks, the pull
   * canary); undefined when they cannot (a cluster run without `--harness-address`): checks that
   * need a pod to reach the harness then say so instead of waiting for a notification.
   */
  harnessAddress(): string | undefined {
    return this.#init.harnessAddress;
  }

  kubeConfig(): KubeConfig {
    return this.#init.kubeConfig;
  }

  onStop(hook: () => void): void {
    this.#stopHooks.push(hook);
  }

  stop(): Promise<StoppedStack> {
    this.#stopped ??= (async () => {
      const logger = this.#init.logger ?? silentLogger;
      try {
        for (const namespace of this.#init.namespaces) {
          const files = await collectPodLogs(this.#init.kubeConfig, { namespace, dir: path.join(this.runDir, "logs", namespace) }).catch((error: unknown) => {
            logger.warn(`pod logs of ${namespace} could not be saved: ${apiErrorDetail(error)}`);
            return [];
          });
          if (files.length > 0) logger.info(`  saved ${files.length} container logs of ${namespace} into ${path.join(this.runDir, "logs", namespace)}`);
        }
      } finally {
        try {
          await this.#init.teardown();
        } finally {
          for (const hook of this.#stopHooks) hook();
        }
      }
      return { runDir: this.runDir, exits: Object.fromEntries(this.#init.statuses.map((s) => [s.plan.component, undefined])) };
    })();
    return this.#stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
