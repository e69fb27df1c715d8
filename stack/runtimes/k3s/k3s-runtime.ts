import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { StartedK3sContainer } from "@testcontainers/k3s";
import { HarnessError } from "../../../common/errors.ts";
import { silentLogger, type Logger } from "../../../common/log.ts";
import type { ExtraService, RuntimeOverride } from "../../started-stack.ts";
import type { StartedKubeStack } from "../kube-api/started-kube-stack.ts";
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL } from "../kube/run-namespace.ts";
import { K3S_AIRGAP_IMAGES_DIR } from "../kube/versions.ts";
import { onShutdown } from "../local/child-registry.ts";
import { newRunId } from "../local/local-runtime.ts";
import { RUNNER_LABEL } from "./cleanup-containers.ts";
import { DockerEngine } from "./docker-engine.ts";
import { deployToK3s, type K3sNode } from "./deploy-to-k3s.ts";
import { planK3s, type K3sPlan } from "./k3s-plan.ts";

export interface K3sStartOptions {
  manifestsDir: string;
  /** Parent of the run directory; each run gets `<runsDir>/<runId>` (diagnostics, pod logs). */
  runsDir: string;
  runId?: string;
  overrides?: readonly RuntimeOverride[];
  extraServices?: readonly ExtraService[];
  /** One deadline for every rollout; the first run pulls every image, so the default is generous. */
  readyTimeoutMs?: number;
  /** How long k3s itself may take to come up. */
  startupTimeoutMs?: number;
  /** `--images DIR`: archives preloaded before start (k3s airgap dir; the k3s image is `docker load`ed). */
  imagesDir?: string;
  image?: string;
  engine?: DockerEngine;
  logger?: Logger;
}

/** testcontainers 12's reaper image; without it locally (offline), the reaper is disabled and obsconf's own cleanup removes the container. */
const RYUK_IMAGE = process.env.RYUK_CONTAINER_IMAGE ?? "testcontainers/ryuk:0.14.0";

/**
 * The stack in a k3s container (@testcontainers/k3s): the manifests rendered for k3s (Services the
 * harness needs as NodePorts, exposed by the container and mapped with getMappedPort), applied in
 * dependency order with server-side apply, every rollout awaited to one deadline. A workload that
 * does not become ready leaves its component in `error` with a diagnostics file; endpoints are
 * handed out for ready components only, keyed like the local runtime's.
 */
export class K3sRuntime {
  static async start(options: K3sStartOptions): Promise<StartedKubeStack> {
    const logger = options.logger ?? silentLogger;
    const engine = options.engine ?? new DockerEngine();
    const plan = await planK3s({ manifestsDir: options.manifestsDir, engine, ...(options.imagesDir ? { imagesDir: options.imagesDir } : {}), ...(options.image ? { image: options.image } : {}) });
    if (!plan.probe.usable) {
      throw new HarnessError(`k3s runtime cannot start: ${plan.probe.reason}; obsconf plan --runtime k3s${options.imagesDir ? ` --images ${options.imagesDir}` : ""} lists the images and how to preload them`);
    }
    const runId = options.runId ?? newRunId();
    const runDir = path.resolve(options.runsDir, runId);
    await mkdir(runDir, { recursive: true });
    for (const file of plan.images.preload.dockerLoad) {
      logger.info(`  docker load -i ${file} (holds the k3s image ${plan.image})`);
      await engine.loadImage(file);
    }
    if (!process.env.TESTCONTAINERS_RYUK_DISABLED && !(await engine.imagePresent(RYUK_IMAGE).catch(() => false))) {
      process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
      logger.info(`  testcontainers' reaper image ${RYUK_IMAGE} is not here: reaper disabled; obsconf removes the k3s container itself (and obsconf cleanup --runtime k3s finds it by label if obsconf is killed)`);
    }
    const container = await startContainer(plan, runId, options, logger);
    let stack: StartedKubeStack | undefined;
    const stopContainer = async () => void (await container.stop({ remove: true, removeVolumes: true }));
    const unregister = onShutdown(async () => void (await (stack ? stack.stop() : stopContainer())));
    try {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(container.getKubeConfig());
      const gateway = await engine.containerGateway(container.getId());
      const node: K3sNode = { kubeConfig, host: container.getHost(), mappedPort: (port) => container.getMappedPort(port), ...(gateway ? { gateway } : {}), stop: stopContainer };
      stack = await deployToK3s(node, plan, { runId, runDir, options, logger });
      stack.onStop(unregister);
      return stack;
    } catch (error) {
      unregister();
      await stopContainer().catch((stopError: unknown) => logger.error(`k3s container ${container.getId().slice(0, 12)} could not be removed: ${String(stopError)}`));
      throw error;
    }
  }
}

async function startContainer(plan: K3sPlan, runId: string, options: K3sStartOptions, logger: Logger): Promise<StartedK3sContainer> {
  const nodePorts = plan.exposures.map((e) => e.nodePort);
  const copies = plan.images.preload.copyToAirgapDir.map((source) => ({ source, target: path.posix.join(K3S_AIRGAP_IMAGES_DIR, path.basename(source)) }));
  logger.info(`  starting k3s (${plan.image}), exposing NodePorts ${nodePorts.join(", ")}${copies.length ? `, airgap images ${copies.map((c) => path.basename(c.source)).join(", ")}` : ""}`);
  // Loaded here, not at the top: testcontainers throws at import time on a Node it does not support,
  // and every other command must keep working there (probeK3s reports it as the reason).
  const { K3sContainer } = await import("@testcontainers/k3s");
  const container = new K3sContainer(plan.image)
    .withExposedPorts(...nodePorts)
    .withLabels({ [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: runId, [RUNNER_LABEL]: `${hostname()}/${process.pid}` })
    .withStartupTimeout(options.startupTimeoutMs ?? 180_000);
  if (copies.length > 0) container.withCopyFilesToContainer(copies);
  try {
    return await container.start();
  } catch (error) {
    throw new HarnessError(`k3s container (${plan.image}) did not start within ${options.startupTimeoutMs ?? 180_000}ms: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

