import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { StartedK3sContainer } from "@testcontainers/k3s";
import { HarnessError } from "../../../common/errors.ts";
import { silentLogger, type Logger } from "../../../common/log.ts";
import type { Endpoint, ExtraService, RuntimeOverride, StackEndpoints } from "../../started-stack.ts";
import { deployRun } from "../kube-api/deploy-run.ts";
import type { KubeObject } from "../kube-api/kube-object.ts";
import { StartedKubeStack } from "../kube-api/started-kube-stack.ts";
import { applyOverrides, renderExtraServices } from "../kube/harness-instruments.ts";
import { sortForApply, type RenderedObject } from "../kube/render.ts";
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL } from "../kube/run-namespace.ts";
import { K3S_AIRGAP_IMAGES_DIR } from "../kube/versions.ts";
import { onShutdown } from "../local/child-registry.ts";
import { newRunId } from "../local/local-runtime.ts";
import { RUNNER_LABEL } from "./cleanup-containers.ts";
import { DockerEngine } from "./docker-engine.ts";
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
      stack = await deploy(container, plan, { runId, runDir, engine, options, logger, stopContainer });
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

interface DeployContext {
  runId: string;
  runDir: string;
  engine: DockerEngine;
  options: K3sStartOptions;
  logger: Logger;
  stopContainer: () => Promise<void>;
}

async function deploy(container: StartedK3sContainer, plan: K3sPlan, { runId, runDir, engine, options, logger, stopContainer }: DeployContext): Promise<StartedKubeStack> {
  const kc = new KubeConfig();
  kc.loadFromString(container.getKubeConfig());
  const gateway = await engine.containerGateway(container.getId());
  const context = gateway ? { harnessHost: gateway } : { noHostReason: "the k3s container has no network gateway" };
  const rewrites = applyOverrides(plan.rendered, plan.specs, options.overrides ?? [], context);
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: runId };
  const extra = renderExtraServices(options.extraServices ?? [], context, (namespace) => namespace, labels);
  const objects = sortForApply(withExtraNamespaces([...plan.rendered, ...extra.objects], labels)).map((o) => labelled(o.object, labels));
  const host = container.getHost();
  const mapped = plan.exposures.map((e) => ({ ...e, hostPort: container.getMappedPort(e.nodePort) }));
  rewrites.push(...extra.lines, ...mapped.map((e) => `k3s: Service ${e.service} port ${e.port} -> NodePort ${e.nodePort} -> ${host}:${e.hostPort}`));
  for (const line of rewrites) logger.info(`  rewrite: ${line}`);
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined))];
  const deployed = await deployRun(kc, {
    objects, specs: plan.specs, plans: plan.plans, runId, namespaces, runDir, timeoutMs: options.readyTimeoutMs ?? 600_000, logger,
  });
  const endpoints: Record<string, Record<string, Endpoint>> = {};
  for (const status of deployed.statuses) {
    if (status.status.state !== "ready") continue;
    const spec = plan.specs.find((s) => s.name === status.plan.component)!;
    for (const e of mapped.filter((m) => spec.services.some((s) => s.name === m.service))) {
      (endpoints[spec.name] ??= {})[e.port] = { host, port: e.hostPort, url: `http://${host}:${e.hostPort}` };
    }
  }
  return new StartedKubeStack({
    runtime: "k3s", runId, runDir, kubeConfig: kc, namespaces, statuses: deployed.statuses, endpoints: endpoints as StackEndpoints, rewrites, diagnostics: deployed.diagnostics,
    teardown: stopContainer, logger,
  });
}

/** Namespaces the extra services name that the manifests do not create (k3s is the run's own cluster). */
function withExtraNamespaces(objects: RenderedObject[], labels: Record<string, string>): RenderedObject[] {
  const declared = new Set(objects.filter((o) => o.object.kind === "Namespace").map((o) => o.object.metadata.name));
  const needed = [...new Set(objects.map((o) => o.object.metadata.namespace).filter((n): n is string => n !== undefined && !declared.has(n)))];
  const source = { file: "harness instruments (RuntimeOverride/ExtraService)", document: 0 };
  return [...needed.map((name): RenderedObject => ({ object: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }, source })), ...objects];
}

/** The run's labels on every object (pod templates untouched, so selectors are unchanged). */
function labelled(object: RenderedObject["object"], labels: Record<string, string>): KubeObject {
  return { ...object, metadata: { ...object.metadata, labels: { ...object.metadata.labels, ...labels } } } as KubeObject;
}
