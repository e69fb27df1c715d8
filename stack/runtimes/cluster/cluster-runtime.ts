import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { silentLogger, type Logger } from "../../../common/log.ts";
import { COMPONENT_NAMES } from "../../components/index.ts";
import { extractComponents } from "../../manifest/component-spec.ts";
import { loadManifests, type K8sObject } from "../../manifest/load-manifests.ts";
import type { Endpoint, ExtraService, RuntimeOverride, StackEndpoints, TestRunAccess } from "../../started-stack.ts";
import { applyObjects } from "../kube-api/apply.ts";
import { deployRun, FIELD_MANAGER } from "../kube-api/deploy-run.ts";
import type { KubeObject } from "../kube-api/kube-object.ts";
import { StartedKubeStack, type KubeStackInit } from "../kube-api/started-kube-stack.ts";
import { TEARDOWN_NAMESPACED_KINDS, teardownRun, type KindRef } from "../kube-api/teardown.ts";
import { POD_SECURITY_LABELS, scopeToRunNamespace } from "../kube/cluster-scope.ts";
import { applyOverrides, renderExtraServices, type InstrumentContext } from "../kube/harness-instruments.ts";
import { rewriteSdNamespaces } from "../kube/namespace-text.ts";
import { imagePlan } from "../kube/image-plan.ts";
import { inClusterEndpoints } from "../kube/in-cluster-endpoints.ts";
import { allocateNodePorts } from "../kube/node-ports.ts";
import { planKube } from "../kube/plan-kube.ts";
import { renderForTarget, sortForApply } from "../kube/render.ts";
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL, runNamespace } from "../kube/run-namespace.ts";
import { onShutdown } from "../local/child-registry.ts";
import { newRunId } from "../local/local-runtime.ts";
import { k6OperatorState, type K6OperatorState } from "./k6-operator.ts";
import { waitForTestRuns, type TestRunOutcome, type WaitForTestRunsOptions } from "./k6-test-run-status.ts";
import { describeKubeContext, loadKubeContext } from "./kube-context.ts";
import { startPortForwards, type StartedPortForwards } from "./port-forward.ts";
import { exposeServices, REACHABILITY_TEXT, resolveExposed, type Reachability } from "./reachability.ts";
import { assertNamespaceIsNew, guardRunObjects, RUNNER_ANNOTATION } from "./run-namespace-guard.ts";

export interface ClusterStartOptions {
  manifestsDir: string;
  runsDir: string;
  /** Lower-case letters, digits and '-', at most 40: it names the namespace `obsconf-<runId>`. */
  runId?: string;
  /** `--context`; ignored when `kubeConfig` is given. */
  context?: string;
  /** A loaded kubeconfig (tests: the API double's). */
  kubeConfig?: KubeConfig;
  overrides?: readonly RuntimeOverride[];
  extraServices?: readonly ExtraService[];
  readyTimeoutMs?: number;
  rolloutIntervalMs?: number;
  /** An IP of this machine that the cluster's pods can reach (alert sinks, canary target); none by default. */
  harnessAddress?: string;
  /** Leave the namespace on stop (for debugging); `obsconf cleanup` removes it later. */
  keep?: boolean;
  /** How the harness reaches the Services (default port-forward: it works on every cluster). */
  reach?: Reachability;
  /** How long LoadBalancer addresses may take (load-balancer reachability). */
  exposeTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The same manifests on an existing cluster: everything moved into one labelled namespace per run
 * (`obsconf-<runId>`), created here and refused if it exists; nothing is applied outside it but
 * the run's own renamed cluster roles. Reached by port-forward; torn down on stop, on SIGINT and
 * SIGTERM, and by `obsconf cleanup` after a run that was killed.
 */
export class ClusterRuntime {
  static async start(options: ClusterStartOptions): Promise<StartedClusterStack> {
    const logger = options.logger ?? silentLogger;
    const kc = options.kubeConfig ?? loadKubeContext(options.context !== undefined ? { context: options.context } : {});
    const set = await loadManifests(options.manifestsDir);
    const specs = extractComponents(set, COMPONENT_NAMES);
    const runId = options.runId ?? newRunId().toLowerCase();
    const namespace = runNamespace(runId);
    const reachFromOutside = (options.reach ?? "port-forward") !== "port-forward";
    const target = { kind: "cluster" as const, namespace, runId, harnessFromAnywhere: reachFromOutside };
    const rendered = renderForTarget(set, target);
    const plans = planKube(specs, rendered, await imagePlan(rendered, { k3sImage: null }), target);
    const context: InstrumentContext = options.harnessAddress
      ? { harnessHost: options.harnessAddress }
      : { noHostReason: "pods on the cluster cannot reach this machine's loopback; give the runtime a harnessAddress pods can reach" };
    const reach = options.reach ?? "port-forward";
    const rewrites = [`cluster: ${describeKubeContext(kc)}, namespace ${namespace}`, `cluster: reachability: ${REACHABILITY_TEXT[reach]}`];
    rewrites.push(...applyOverrides(rendered, specs, options.overrides ?? [], context));
    rewrites.push(
      `cluster: Namespace ${namespace}: Pod Security ${Object.entries(POD_SECURITY_LABELS)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")} (node-exporter, Promtail and Vector use host paths)`,
    );
    rewrites.push(...scopeToRunNamespace(rendered, namespace, runId));
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: runId };
    // The harness's Services (e.g. the pull canary in ecomm-prod) move into the run namespace, and the
    // service discovery that looked for them in their namespace follows them there.
    for (const from of new Set((options.extraServices ?? []).map((e) => e.namespace).filter((ns) => ns !== set.namespace))) {
      for (const { object } of rendered.filter((o) => o.object.kind === "ConfigMap")) {
        const data = (object as { data?: Record<string, string> }).data ?? {};
        for (const [key, text] of Object.entries(data)) {
          const moved = rewriteSdNamespaces(text, from, namespace);
          if (moved === text) continue;
          data[key] = moved;
          rewrites.push(
            `cluster: ConfigMap ${object.metadata.name} ${key}: service discovery of namespace ${from} -> ${namespace} (where the harness's Services of ${from} are created)`,
          );
        }
      }
    }
    const extra = renderExtraServices(options.extraServices ?? [], context, () => namespace, labels);
    rewrites.push(...extra.lines);
    const wantedPorts = allocateNodePorts(set).map(({ service, port }) => ({ service, port }));
    const objects = exposeServices(
      sortForApply([...rendered, ...extra.objects]).map((o) => annotateRunner(o.object as KubeObject)),
      wantedPorts,
      reach,
    );
    guardRunObjects(objects, namespace, runId);
    await assertNamespaceIsNew(kc, namespace);
    const runDir = path.resolve(options.runsDir, runId);
    await mkdir(runDir, { recursive: true });
    for (const line of rewrites) logger.info(`  rewrite: ${line}`);

    const kinds = extraKinds(objects);
    let forwards: StartedPortForwards | undefined;
    const teardown = async () => {
      await forwards?.close();
      if (options.keep) {
        logger.info(`  kept namespace ${namespace} (--keep); obsconf cleanup --run-id ${runId} removes it`);
        return;
      }
      // TestRuns (and what else applyRunObjects added) go first: their operator stops the load before its targets go.
      const result = await teardownRun(kc, {
        runId,
        namespace,
        namespacedKinds: [...kinds.filter((k) => k.kind !== "Endpoints"), ...TEARDOWN_NAMESPACED_KINDS, ...kinds.filter((k) => k.kind === "Endpoints")],
      });
      logger.info(`  deleted ${result.deleted.length} objects of run ${runId}, namespace ${namespace} last`);
    };
    let stack: StartedClusterStack | undefined;
    const unregister = onShutdown(async () => void (await (stack ? stack.stop() : teardown())));
    try {
      const deployed = await deployRun(kc, {
        objects,
        specs,
        plans,
        runId,
        namespaces: [namespace],
        runDir,
        timeoutMs: options.readyTimeoutMs ?? 600_000,
        logger,
        ...(options.rolloutIntervalMs ? { intervalMs: options.rolloutIntervalMs } : {}),
      });
      const services = new Set(
        deployed.statuses
          .filter((s) => s.status.state === "ready")
          .flatMap((s) => specs.find((spec) => spec.name === s.plan.component)!.services.map((svc) => svc.name)),
      );
      const wanted = wantedPorts.filter((w) => services.has(w.service));
      let reached: { service: string; port: string; host: string; hostPort: number }[];
      if (reach === "port-forward") {
        forwards = await startPortForwards(kc, namespace, wanted, logger);
        reached = forwards.ports.map((p) => ({ service: p.service, port: p.port, host: "127.0.0.1", hostPort: p.localPort }));
      } else {
        reached = await resolveExposed(kc, namespace, wanted, reach, options.exposeTimeoutMs ? { timeoutMs: options.exposeTimeoutMs } : {});
      }
      const endpoints: Record<string, Record<string, Endpoint>> = {};
      for (const r of reached) {
        const spec = specs.find((s) => s.services.some((svc) => svc.name === r.service))!;
        (endpoints[spec.name] ??= {})[r.port] = { host: r.host, port: r.hostPort, url: `http://${r.host}:${r.hostPort}` };
        rewrites.push(`cluster: Service ${namespace}/${r.service} port ${r.port} -> ${reach} ${r.host}:${r.hostPort}`);
      }
      stack = new StartedClusterStack(
        {
          runtime: "cluster",
          runId,
          runDir,
          kubeConfig: kc,
          namespaces: [namespace],
          ...(options.harnessAddress ? { harnessAddress: options.harnessAddress } : {}),
          statuses: deployed.statuses,
          endpoints: endpoints as StackEndpoints,
          rewrites,
          diagnostics: deployed.diagnostics,
          teardown,
          logger,
        },
        namespace,
        kinds,
        inClusterEndpoints(specs, namespace),
      );
      stack.onStop(unregister);
      return stack;
    } catch (error) {
      unregister();
      await teardown().catch((teardownError: unknown) =>
        logger.error(
          `teardown of run ${runId} failed: ${teardownError instanceof Error ? teardownError.message : String(teardownError)}; obsconf cleanup --run-id ${runId} retries it`,
        ),
      );
      throw error;
    }
  }
}

/** A cluster run, plus the hook a load scenario uses for the k6-operator (stack/ does not import load/). */
export class StartedClusterStack extends StartedKubeStack {
  /** `kinds`: the namespaced kinds teardown deletes beyond its own list; applyRunObjects adds to it. */
  constructor(
    init: KubeStackInit,
    readonly namespace: string,
    private readonly kinds: KindRef[] = [],
    private readonly inCluster: StackEndpoints = {},
  ) {
    super(init);
  }

  k6Operator(): Promise<K6OperatorState> {
    return k6OperatorState(this.kubeConfig());
  }

  async testRuns(): Promise<TestRunAccess> {
    return {
      operator: await this.k6Operator(),
      namespace: this.namespace,
      runId: this.runId,
      inClusterEndpoints: this.inCluster,
      applyRunObjects: (objects) => this.applyRunObjects(objects),
      waitForTestRuns: (names, options) => this.waitForTestRuns(names, options),
    };
  }

  /**
   * Applies objects a scenario rendered for this run (k6-operator TestRuns from load/k6/) into the
   * run namespace, labelled so teardown and cleanup find them (the namespace's deletion removes
   * them in any case). Objects naming another namespace are refused.
   */
  async applyRunObjects(objects: readonly K8sObject[]): Promise<void> {
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: this.runId };
    const placed = objects.map(
      (o): KubeObject => ({
        ...o,
        metadata: { ...o.metadata, namespace: o.metadata.namespace ?? this.namespace, labels: { ...o.metadata.labels, ...labels } },
      }),
    );
    guardRunObjects(placed, this.namespace, this.runId);
    for (const kind of extraKinds([...placed])) {
      if (!this.kinds.some((k) => k.apiVersion === kind.apiVersion && k.kind === kind.kind)) this.kinds.unshift(kind);
    }
    await applyObjects(this.kubeConfig(), placed, { fieldManager: FIELD_MANAGER });
  }

  /** Waits (bounded) for the run's TestRuns to reach `status.stage` finished or error. */
  waitForTestRuns(names: readonly string[], options: Omit<WaitForTestRunsOptions, "namespace" | "names">): Promise<TestRunOutcome[]> {
    return waitForTestRuns(this.kubeConfig(), { ...options, namespace: this.namespace, names });
  }
}

function annotateRunner(object: KubeObject): KubeObject {
  if (object.kind !== "Namespace") return object;
  const annotations = { ...(object.metadata.annotations as Record<string, string> | undefined), [RUNNER_ANNOTATION]: `${hostname()}/${process.pid}` };
  return { ...object, metadata: { ...object.metadata, annotations } };
}

/** Namespaced kinds in the run beyond teardown's list (e.g. Endpoints of extra services). */
function extraKinds(objects: readonly KubeObject[]): KindRef[] {
  const known = new Set(TEARDOWN_NAMESPACED_KINDS.map((k) => `${k.apiVersion}|${k.kind}`));
  const seen = new Map<string, KindRef>();
  for (const o of objects) {
    const key = `${o.apiVersion}|${o.kind}`;
    if (o.metadata.namespace !== undefined && !known.has(key)) seen.set(key, { apiVersion: o.apiVersion, kind: o.kind });
  }
  return [...seen.values()];
}
