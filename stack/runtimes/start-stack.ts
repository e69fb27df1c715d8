import { HarnessError } from "../../common/errors.ts";
import type { ExtraService, RuntimeOverride, StartedStack } from "../started-stack.ts";
import { AttachRuntime } from "./attach/attach-runtime.ts";
import { ClusterRuntime } from "./cluster/cluster-runtime.ts";
import { K3sRuntime } from "./k3s/k3s-runtime.ts";
import { LocalRuntime, type LocalStartOptions } from "./local/local-runtime.ts";
import type { RuntimeChoice } from "./select-runtime.ts";

export interface StackStartOptions extends LocalStartOptions {
  overrides?: readonly RuntimeOverride[];
  extraServices?: readonly ExtraService[];
  /** k3s: `--images DIR`. */
  imagesDir?: string;
  /** cluster: `--context`. */
  context?: string;
  /** cluster: an IP of this machine that pods can reach (the harness's instruments). */
  harnessAddress?: string;
  /** k3s and cluster: one deadline for every rollout (default 10 min: a first run pulls every image). */
  rolloutTimeoutMs?: number;
  /** k3s: scale the containers' requests in the rendering by this factor (a profile's choice for a small engine). */
  requestsScale?: number;
}

/**
 * The one entry point a scenario needs: the runtime `resolveRuntime` chose, started from the same
 * options. `readyTimeoutMs` bounds each local component; `rolloutTimeoutMs` all k3s/cluster rollouts.
 */
export async function startStack(choice: RuntimeChoice, options: StackStartOptions): Promise<StartedStack> {
  const common = {
    manifestsDir: options.manifestsDir,
    runsDir: options.runsDir,
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.extraServices ? { extraServices: options.extraServices } : {}),
    ...(options.rolloutTimeoutMs ? { readyTimeoutMs: options.rolloutTimeoutMs } : {}),
  };
  switch (choice.runtime) {
    case "local":
      return LocalRuntime.start(options);
    case "k3s":
      return K3sRuntime.start({
        ...common,
        ...(options.imagesDir ? { imagesDir: options.imagesDir } : {}),
        ...(options.requestsScale !== undefined ? { requestsScale: options.requestsScale } : {}),
      });
    case "attach":
      if (!choice.attach) throw new HarnessError("--runtime attach without its endpoints file (resolveRuntime reads --endpoints)");
      return AttachRuntime.start({
        endpoints: choice.attach,
        manifestsDir: options.manifestsDir,
        runsDir: options.runsDir,
        ...(options.runId ? { runId: options.runId } : {}),
        ...(options.overrides ? { overrides: options.overrides } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
    case "cluster": {
      const harnessAddress = choice.harnessAddress ?? options.harnessAddress;
      const context = choice.context ?? options.context;
      return ClusterRuntime.start({
        ...common,
        ...(context ? { context } : {}),
        ...(harnessAddress ? { harnessAddress } : {}),
        ...(choice.reach ? { reach: choice.reach } : {}),
      });
    }
  }
}
