import { createWriteStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { StartedK3sContainer } from "@testcontainers/k3s";
import { HarnessError } from "../../../common/errors.ts";
import { silentLogger, type Logger } from "../../../common/log.ts";
import type { ExtraService, RuntimeOverride } from "../../started-stack.ts";
import type { StartedKubeStack } from "../kube-api/started-kube-stack.ts";
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL } from "../kube/run-namespace.ts";
import { onShutdown } from "../local/child-registry.ts";
import { newRunId } from "../local/local-runtime.ts";
import { DockerEngine } from "./docker-engine.ts";
import { deployToK3s, type K3sNode } from "./deploy-to-k3s.ts";
import { chooseImageStore, k3sContainerSpec, type K3sContainerSpec } from "./k3s-container-spec.ts";
import { planK3s } from "./k3s-plan.ts";
import { hostsEntry } from "./prepare-k3s-node.ts";

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
  /** Scale every container's requests in the rendering (never the manifests on disk), e.g. 0.5 for a profile that runs on a 2-CPU engine. */
  requestsScale?: number;
}

/** testcontainers 11.14's reaper image (build/reaper/reaper.js); see chooseReaper. */
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
    const plan = await planK3s({
      manifestsDir: options.manifestsDir,
      engine,
      ...(options.imagesDir ? { imagesDir: options.imagesDir } : {}),
      ...(options.image ? { image: options.image } : {}),
      ...(options.requestsScale !== undefined ? { requestsScale: options.requestsScale } : {}),
    });
    if (!plan.probe.usable) {
      throw new HarnessError(
        `k3s runtime cannot start: ${plan.probe.reason}; obsconf plan --runtime k3s${options.imagesDir ? ` --images ${options.imagesDir}` : ""} lists the images and how to preload them`,
      );
    }
    const runId = options.runId ?? newRunId();
    const runDir = path.resolve(options.runsDir, runId);
    await mkdir(runDir, { recursive: true });
    for (const file of plan.images.preload.dockerLoad) {
      logger.info(`  docker load -i ${file} (holds the k3s image ${plan.image})`);
      await engine.loadImage(file);
    }
    await chooseReaper(engine, logger);
    const store = await chooseImageStore(engine, plan.image);
    const spec = k3sContainerSpec(plan, { runId, runDir, store });
    // Registered before the container exists: Ctrl-C while testcontainers starts it (pull, boot, wait
    // for k3s) must not leave a privileged container behind. It is found by this run's label.
    let container: StartedK3sContainer | undefined;
    let stack: StartedKubeStack | undefined;
    const removeByLabel = async () => {
      for (const left of await engine.containersLabelled({ [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: runId }).catch(() => [])) {
        await engine.removeContainer(left.id).catch((error: unknown) => logger.error(`k3s container ${left.name} could not be removed: ${String(error)}`));
      }
    };
    const stopContainer = async () => {
      if (container) await container.stop({ remove: true, removeVolumes: true }).catch(() => undefined);
      await removeByLabel();
    };
    const unregister = onShutdown(async () => void (await (stack ? stack.stop() : stopContainer())));
    try {
      container = await startContainer(spec, options, logger);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(container.getKubeConfig());
      const started = container;
      const exec = async (command: string[]) => {
        const result = await started.exec(command);
        return { exitCode: result.exitCode, output: result.output };
      };
      const hosts = await exec(["cat", "/etc/hosts"]).catch(() => ({ exitCode: 1, output: "" }));
      const gateway = hostsEntry(hosts.output, "host.docker.internal") ?? (await engine.containerGateway(container.getId()));
      const node: K3sNode = {
        kubeConfig,
        host: container.getHost(),
        mappedPort: (port) => started.getMappedPort(port),
        ...(gateway ? { gateway } : {}),
        exec,
        stop: stopContainer,
      };
      stack = await deployToK3s(node, plan, { runId, runDir, options, logger, notes: [...(plan.scaled ? [`k3s: ${plan.scaled}`] : []), ...spec.notes] });
      stack.onStop(unregister);
      return stack;
    } catch (error) {
      unregister();
      await stopContainer().catch((stopError: unknown) => logger.error(`k3s container of run ${runId} could not be removed: ${String(stopError)}`));
      throw error;
    }
  }
}

/**
 * testcontainers' reaper (Ryuk) removes the container if obsconf dies. It is disabled only when its
 * image is neither present nor served by its registry (offline): testcontainers would fail on the
 * pull. obsconf's own label cleanup (signals, `obsconf cleanup --runtime k3s`) covers that case.
 */
export async function chooseReaper(engine: DockerEngine, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<"enabled" | "disabled"> {
  if (env.TESTCONTAINERS_RYUK_DISABLED) return "disabled";
  if (await engine.imagePresent(RYUK_IMAGE).catch(() => false)) return "enabled";
  const registry = await engine.registryServes(RYUK_IMAGE);
  if (registry.pullable) return "enabled";
  env.TESTCONTAINERS_RYUK_DISABLED = "true";
  logger.info(
    `  testcontainers' reaper image ${RYUK_IMAGE} is neither here nor pullable (${registry.reason}): reaper disabled; obsconf removes the k3s container itself (and obsconf cleanup --runtime k3s finds it by label if obsconf is killed)`,
  );
  return "disabled";
}

async function startContainer(spec: K3sContainerSpec, options: K3sStartOptions, logger: Logger): Promise<StartedK3sContainer> {
  logger.info(
    `  starting k3s (${spec.image}), exposing NodePorts ${spec.exposedPorts.join(", ")}${spec.copies.length ? `, airgap images ${spec.copies.map((c) => path.basename(c.source)).join(", ")}` : ""}; its log: ${spec.logFile}`,
  );
  // Loaded here, not at the top: testcontainers throws at import time on a Node it does not support,
  // and every other command must keep working there (probeK3s reports it as the reason).
  const { K3sContainer } = await import("@testcontainers/k3s");
  const log = createWriteStream(spec.logFile, { flags: "a" });
  const container = new K3sContainer(spec.image)
    .withCommand(spec.command)
    .withExposedPorts(...spec.exposedPorts)
    .withLabels(spec.labels)
    .withExtraHosts(spec.extraHosts)
    .withLogConsumer((stream) => stream.pipe(log))
    .withStartupTimeout(options.startupTimeoutMs ?? 180_000);
  container.withBindMounts(spec.binds.map((b) => ({ source: b.source, target: b.target, mode: "rw" as const })));
  if (spec.copies.length > 0) container.withCopyFilesToContainer(spec.copies);
  try {
    return await container.start();
  } catch (error) {
    const tail = await readFile(spec.logFile, "utf8")
      .then((t) => t.trimEnd().split("\n").slice(-15).join("\n"))
      .catch(() => "(no log)");
    throw new HarnessError(
      `k3s container (${spec.image}) did not start within ${options.startupTimeoutMs ?? 180_000}ms: ${error instanceof Error ? error.message : String(error)}; k3s's log ${spec.logFile} ends:\n${tail}`,
      { cause: error },
    );
  }
}
