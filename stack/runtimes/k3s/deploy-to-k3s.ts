import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../../../common/log.ts";
import type { Endpoint, StackEndpoints } from "../../started-stack.ts";
import { deployRun } from "../kube-api/deploy-run.ts";
import type { KubeObject } from "../kube-api/kube-object.ts";
import { StartedKubeStack } from "../kube-api/started-kube-stack.ts";
import { applyOverrides, renderExtraServices } from "../kube/harness-instruments.ts";
import { sortForApply, type RenderedObject } from "../kube/render.ts";
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL } from "../kube/run-namespace.ts";
import type { K3sPlan } from "./k3s-plan.ts";
import type { K3sStartOptions } from "./k3s-runtime.ts";
import { checkHarnessReachable, describeReachability, dropHostToContainerPropagation, makeRootShared, type NodeExec } from "./prepare-k3s-node.ts";

/** A started k3s node as the deploy step sees it (the k3s container; in tests, the API double). */
export interface K3sNode {
  kubeConfig: KubeConfig;
  /** Where the engine publishes the container's ports. */
  host: string;
  /** The host port a NodePort is published on (`getMappedPort`). */
  mappedPort(nodePort: number): number;
  /** The host as pods see it: `host.docker.internal` (host-gateway) in the container, else its network's gateway. */
  gateway?: string;
  /** Runs a command in the node container (k3s: testcontainers' exec); the deploy makes `/` shared and checks the harness is reachable. */
  exec?: NodeExec;
  /** Removes the node (the container) and everything in it. */
  stop(): Promise<void>;
}

export interface DeployToK3sContext {
  runId: string;
  runDir: string;
  options: Pick<K3sStartOptions, "overrides" | "extraServices" | "readyTimeoutMs">;
  logger: Logger;
  rolloutIntervalMs?: number;
  /** Lines about the node (image store) for rewrites(). */
  notes?: readonly string[];
}

/**
 * The k3s run once its node is up: overrides and extra services pointed at the host, every object
 * labelled with the run, applied and awaited (deployRun), endpoints through the mapped NodePorts
 * for ready components. Stopping the stack saves pod logs, then removes the node.
 */
export async function deployToK3s(
  node: K3sNode,
  plan: K3sPlan,
  { runId, runDir, options, logger, rolloutIntervalMs, notes = [] }: DeployToK3sContext,
): Promise<StartedKubeStack> {
  const kc = node.kubeConfig;
  const context = node.gateway ? { harnessHost: node.gateway } : { noHostReason: "the k3s container has no network gateway" };
  const rewrites: string[] = [...notes];
  if (node.exec) {
    const root = await makeRootShared(node.exec);
    if (root.shared)
      rewrites.push(
        "k3s: mount --make-rshared / in the node container (node-exporter mounts / with HostToContainer propagation, which containerd refuses on a private mount)",
      );
    else rewrites.push(`k3s: ${root.reason}`, ...dropHostToContainerPropagation(plan.rendered));
  }
  rewrites.push(...applyOverrides(plan.rendered, plan.specs, options.overrides ?? [], context));
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: runId };
  const extra = renderExtraServices(options.extraServices ?? [], context, (namespace) => namespace, labels);
  const objects = sortForApply(withExtraNamespaces([...plan.rendered, ...extra.objects], labels)).map((o) => labelled(o.object, labels));
  const host = node.host;
  const mapped = plan.exposures.map((e) => ({ ...e, hostPort: node.mappedPort(e.nodePort) }));
  rewrites.push(...extra.lines, ...mapped.map((e) => `k3s: Service ${e.service} port ${e.port} -> NodePort ${e.nodePort} -> ${host}:${e.hostPort}`));
  for (const line of rewrites) logger.info(`  rewrite: ${line}`);
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => n !== undefined))];
  if (node.exec && node.gateway) {
    const ports = harnessPorts(rewrites, node.gateway, options.extraServices ?? []);
    const reach = await checkHarnessReachable(node.exec, node.gateway, ports);
    for (const line of describeReachability(reach)) {
      rewrites.push(line);
      if (line.includes("NOT reachable")) logger.warn(`  ${line}`);
    }
  }
  const deployed = await deployRun(kc, {
    objects,
    specs: plan.specs,
    plans: plan.plans,
    runId,
    namespaces,
    runDir,
    timeoutMs: options.readyTimeoutMs ?? 600_000,
    logger,
    ...(rolloutIntervalMs ? { intervalMs: rolloutIntervalMs } : {}),
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
    runtime: "k3s",
    runId,
    runDir,
    kubeConfig: kc,
    namespaces,
    ...(node.gateway ? { harnessAddress: node.gateway } : {}),
    statuses: deployed.statuses,
    endpoints: endpoints as StackEndpoints,
    rewrites,
    diagnostics: deployed.diagnostics,
    teardown: () => node.stop(),
    logger,
  });
}

/** The harness ports pods will connect to: those the overrides pointed at `host`, and the extra services'. */
function harnessPorts(lines: readonly string[], host: string, extras: NonNullable<K3sStartOptions["extraServices"]>): number[] {
  const fromOverrides = lines.flatMap((line) => [...line.matchAll(new RegExp(`-> ${host.replace(/\./g, "\\.")}:(\\d+)$`, "g"))].map((m) => Number(m[1])));
  return [...new Set([...fromOverrides, ...extras.flatMap((e) => e.ports.map((p) => p.port))])].sort((a, b) => a - b);
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
