import { mkdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { HarnessError } from "../../../common/errors.ts";
import { silentLogger, type Logger } from "../../../common/log.ts";
import { componentDef, COMPONENT_NAMES, type LocalPod, type LocalService, type SubstituteDef } from "../../components/index.ts";
import { OBSCONF_BIN } from "../../obsconf-version.ts";
import { extractComponents, type ComponentSpec } from "../../manifest/component-spec.ts";
import { loadManifests } from "../../manifest/load-manifests.ts";
import type { ComponentPlan } from "../../plan.ts";
import {
  ComponentDiedError,
  deathSummary,
  type ComponentControl,
  type ComponentDeath,
  type ComponentStatus,
  type Endpoint,
  type ExtraPod,
  type ExtraService,
  type FaultPlacement,
  type RuntimeOverride,
  type StackEndpoints,
  type StartedStack,
  type StoppedStack,
} from "../../started-stack.ts";
import { onShutdown, shuttingDown } from "./child-registry.ts";
import { LocalComponentControl } from "./component-control.ts";
import { ComponentProcess, type UnexpectedExit } from "./component-process.ts";
import { RunLedger } from "./host-state-ledger.ts";
import { readProcIdentity } from "./host-state-undo.mjs";
import { dataDirsOf, FaultPlacements, type Runnable } from "./fault-placements.ts";
import { freePort } from "./free-port.ts";
import { rewriteArg, rewriteEnvValue, rewriteMountPaths, rewriteText, type RewriteContext } from "./loopback-rewrite.ts";
import { extraServiceToLocal, localPodName, localServicesOf } from "./local-services.ts";
import { planLocal } from "./plan-local.ts";
import { podLogDir, podLogFile } from "./pod-log-path.ts";

export interface LocalStartOptions {
  manifestsDir: string;
  /** Parent of the run directory; each run gets `<runsDir>/<runId>`. */
  runsDir: string;
  runId?: string;
  bins?: Readonly<Record<string, string>>;
  /** Start only these components (the rest are planned but `not-started`). Default: every runnable one. */
  only?: readonly string[];
  overrides?: readonly RuntimeOverride[];
  extraServices?: readonly ExtraService[];
  /** Harness pods whose log files are written under the stack's `nodeRootDir` (the log agents' discovery lists them). */
  extraPods?: readonly ExtraPod[];
  /** What faults need set up at start (chaos/: `mergePlacements(fault.preflight().needs)`): proxies, network namespaces, tmpfs data dirs. */
  placements?: readonly FaultPlacement[];
  readyTimeoutMs?: number;
  logger?: Logger;
  /** When the run started (ms since the epoch): a component death says how long after it (default: when `start()` was called). */
  runStartedAtMs?: number;
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-")}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Runs each component of the manifests whose binary is here as a local process, per DESIGN.md. */
export class LocalRuntime {
  static async start(options: LocalStartOptions): Promise<StartedLocalStack> {
    const logger = options.logger ?? silentLogger;
    const runStartedAtMs = options.runStartedAtMs ?? Date.now();
    const set = await loadManifests(options.manifestsDir);
    const specs = extractComponents(set, COMPONENT_NAMES);
    const plans = await planLocal(specs, { bins: options.bins ?? {} });
    const runId = options.runId ?? newRunId();
    const runDir = path.resolve(options.runsDir, runId);
    await mkdir(runDir, { recursive: true });
    // The run's record of what it makes on the host (processes, namespaces, veths, mounts), for the reaper's and `obsconf cleanup`'s sake.
    const ledger = new RunLedger(runDir);
    const me = readProcIdentity(process.pid);
    if (me) ledger.append({ op: "owner", pid: me.pid, startTicks: me.startTicks, argv: me.argv, runId, atMs: Date.now() });
    const stack = new StartedLocalStack(runId, runDir, { ledger, runStartedAtMs, logger });
    const unregister = onShutdown(async () => void (await stack.stop()));
    stack.onStop(unregister);
    try {
      await stack.launch(specs, plans, options, logger);
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }
}

export class StartedLocalStack implements StartedStack {
  readonly runtime = "local" as const;
  readonly #statuses = new Map<string, ComponentStatus>();
  readonly #processes = new Map<string, ComponentProcess>();
  readonly #controls = new Map<string, LocalComponentControl>();
  /** What faults asked for at start; released after the processes stop. */
  #placements: FaultPlacements | undefined;
  readonly #endpoints: Record<string, Record<string, Endpoint>> = {};
  readonly #rewrites: string[] = [];
  readonly #stopHooks: (() => void)[] = [];
  /** component -> the components whose services its config, args or env point at (it sends to them). */
  readonly #dependsOn = new Map<string, Set<string>>();
  #stopped: Promise<StoppedStack> | undefined;
  readonly #deaths: ComponentDeath[] = [];
  readonly #deathListeners = new Set<(death: ComponentDeath) => void>();
  readonly #lifeControllers = new Map<string, AbortController>();
  readonly #ledger: RunLedger | undefined;
  readonly #runStartedAtMs: number;
  readonly #logger: Logger;

  /** Stands in for the node's `/` where pod log files live: hostPaths under /var/log and /run map below it. */
  readonly nodeRootDir: string;
  #pods: readonly LocalPod[] = [];

  constructor(
    readonly runId: string,
    readonly runDir: string,
    { ledger, runStartedAtMs = Date.now(), logger = silentLogger }: { ledger?: RunLedger; runStartedAtMs?: number; logger?: Logger } = {},
  ) {
    this.nodeRootDir = path.join(runDir, "node");
    this.#ledger = ledger;
    this.#runStartedAtMs = runStartedAtMs;
    this.#logger = logger;
  }

  deaths(): readonly ComponentDeath[] {
    return [...this.#deaths];
  }

  onDeath(listener: (death: ComponentDeath) => void): () => void {
    this.#deathListeners.add(listener);
    return () => this.#deathListeners.delete(listener);
  }

  lifeSignal(component: string): AbortSignal {
    let controller = this.#lifeControllers.get(component);
    if (!controller) this.#lifeControllers.set(component, (controller = new AbortController()));
    return controller.signal;
  }

  /** An exit nobody asked for: recorded, logged, the component's status set to error, its life signal aborted, listeners told. */
  #onUnexpectedExit(exit: UnexpectedExit): void {
    if (this.#stopped !== undefined || shuttingDown()) return;
    const sinceStartMs = Math.max(0, exit.atMs - this.#runStartedAtMs);
    const death: ComponentDeath = {
      component: exit.component,
      ...(exit.pid !== undefined ? { pid: exit.pid } : {}),
      atMs: exit.atMs,
      sinceStartMs,
      exit: { code: exit.exit.code, signal: exit.exit.signal },
      lastLogLines: exit.lastLogLines,
      summary: deathSummary(exit.component, exit.exit, sinceStartMs),
    };
    this.#deaths.push(death);
    const status = this.#statuses.get(death.component);
    if (status)
      this.#statuses.set(death.component, {
        plan: status.plan,
        status: { state: "error", error: `${death.summary}; its last output:\n${death.lastLogLines || "(nothing)"}` },
      });
    this.#logger.error(`${death.summary} (pid ${death.pid ?? "?"}); its last output:\n${death.lastLogLines || "(nothing)"}`);
    const controller = this.#lifeControllers.get(death.component) ?? new AbortController();
    this.#lifeControllers.set(death.component, controller);
    if (!controller.signal.aborted) controller.abort(new ComponentDiedError(death));
    for (const listener of this.#deathListeners) {
      try {
        listener(death);
      } catch (error) {
        this.#logger.error(`a death listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  components(): readonly ComponentStatus[] {
    return [...this.#statuses.values()];
  }

  endpoints(): StackEndpoints {
    return this.#endpoints;
  }

  rewrites(): readonly string[] {
    return this.#rewrites;
  }

  processOf(component: string): ComponentProcess | undefined {
    return this.#processes.get(component);
  }

  control(component: string): ComponentControl | undefined {
    return this.#controls.get(component);
  }

  onStop(hook: () => void): void {
    this.#stopHooks.push(hook);
  }

  async launch(specs: readonly ComponentSpec[], plans: readonly ComponentPlan[], options: LocalStartOptions, logger: Logger): Promise<void> {
    const runnable: Runnable[] = [];
    const used = new Set<number>();
    const placements = new FaultPlacements(
      this.runId,
      options.placements ?? [],
      (line) => this.#rewrites.push(line),
      () => uniqueFreePort(used),
      this.#ledger,
    );
    this.#placements = placements;
    this.#pods = (options.extraPods ?? []).map((p) => ({
      name: p.name,
      namespace: p.namespace,
      uid: p.uid,
      containerName: p.container,
      labels: p.labels ?? {},
    }));
    // As kubelet and the container runtime do when a pod starts: its container's log directory and
    // an empty 0.log exist before the first line, so an agent discovers the file at its own start.
    for (const pod of this.#pods) {
      const file = podLogFile(this.nodeRootDir, { ...pod, container: pod.containerName });
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, "", { flag: "a" });
    }
    await mkdir(podLogDir(this.nodeRootDir), { recursive: true });
    for (const [index, spec] of specs.entries()) {
      const plan = plans[index]!;
      if (plan.mode === "unavailable") {
        this.#statuses.set(spec.name, { plan, status: { state: "unavailable", reason: plan.reason } });
      } else if (plan.mode === "pod" || plan.mode === "attached") {
        throw new HarnessError(`local runtime got a ${plan.mode} plan for ${spec.name}`);
      } else if (options.only && !options.only.includes(spec.name)) {
        this.#statuses.set(spec.name, { plan, status: { state: "not-started", reason: "not selected for this run" } });
      } else {
        const ports = new Map<number, number>();
        const served =
          plan.mode === "substitute" ? substituteOf(spec.name, plan.substitute).servesPorts.map((name) => servedPort(spec, name)) : spec.container.ports;
        for (const port of served) ports.set(port.containerPort, await uniqueFreePort(used));
        runnable.push(await placements.place({ spec, plan, ports, dir: path.join(this.runDir, spec.name), host: "127.0.0.1", reach: new Map(), proxies: [] }));
      }
    }
    this.#rewrites.push(...placements.unmade(runnable.map((r) => r.spec.name)));
    const services = [
      ...runnable.flatMap((r) => localServicesOf(r.spec, (port) => r.reach.get(port)).map((s) => ({ ...s, ...substitutePaths(r) }))),
      ...(options.extraServices ?? []).map(extraServiceToLocal),
    ];
    for (const r of runnable) {
      const process = await this.#prepare(r, await placements.servicesSeenFrom(r, services), options.overrides ?? [], logger);
      process.onUnexpectedExit((exit) => this.#onUnexpectedExit(exit));
      this.#processes.set(r.spec.name, process);
      this.#controls.set(
        r.spec.name,
        new LocalComponentControl(r.spec.name, {
          process,
          proxies: r.proxies,
          dataDirs: dataDirsOf(r),
          ...(r.netns ? { netns: r.netns.info } : {}),
          ...(r.tmpfsBytes !== undefined ? { tmpfs: { paths: dataDirsOf(r), bytes: r.tmpfsBytes } } : {}),
          stackStopping: () => this.#stopped !== undefined,
          onReady: (readyAfterMs, pid) => this.#statuses.set(r.spec.name, { plan: r.plan, status: { state: "ready", readyAfterMs, ...(pid ? { pid } : {}) } }),
        }),
      );
      this.#statuses.set(r.spec.name, { plan: r.plan, status: { state: "not-started", reason: "starting" } });
    }
    for (const line of this.#rewrites) logger.info(`  rewrite: ${line}`);
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    const settled = new Map<string, { promise: Promise<boolean>; resolve: (ready: boolean) => void }>();
    for (const r of runnable) {
      let resolve!: (ready: boolean) => void;
      settled.set(r.spec.name, { promise: new Promise<boolean>((res) => (resolve = res)), resolve });
    }
    await Promise.all(
      runnable.map(async (r) => {
        const process = this.#processes.get(r.spec.name)!;
        const def = componentDef(r.spec.name);
        const waitFor = def.startsAfterDependencies ? [...(this.#dependsOn.get(r.spec.name) ?? [])].filter((d) => settled.has(d)) : [];
        if (waitFor.length > 0) {
          // As kubelet's restarts would get there eventually: started once what it sends to is ready (or failed).
          logger.info(`  ${r.spec.name} waits for ${waitFor.join(", ")}: ${def.startsAfterDependencies}`);
          this.#rewrites.push(
            `${r.spec.name}: started after ${waitFor.join(", ")} (${def.startsAfterDependencies}; in a cluster it restarts until they answer)`,
          );
          await Promise.all(waitFor.map((d) => settled.get(d)!.promise));
        }
        const startedAt = performance.now();
        logger.info(`  starting ${r.spec.name}: ${process.spec.binary} ${process.spec.argv.join(" ")}`);
        process.start();
        try {
          await process.waitReady(timeoutMs);
          const readyAfterMs = Math.round(performance.now() - startedAt);
          this.#statuses.set(r.spec.name, { plan: r.plan, status: { state: "ready", readyAfterMs, ...(process.pid ? { pid: process.pid } : {}) } });
          this.#endpoints[r.spec.name] = Object.fromEntries(
            services.filter((s) => s.component === r.spec.name).flatMap((s) => s.ports.map((p) => [p.name, endpoint(p.local)])),
          );
          logger.info(`  ${r.spec.name} ready after ${readyAfterMs}ms`);
          settled.get(r.spec.name)!.resolve(true);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.#statuses.set(r.spec.name, { plan: r.plan, status: { state: "error", error: message } });
          logger.error(`${r.spec.name}: ${message}`);
          settled.get(r.spec.name)!.resolve(false);
        }
      }),
    );
  }

  async #prepare(r: Runnable, services: readonly LocalService[], overrides: readonly RuntimeOverride[], logger: Logger): Promise<ComponentProcess> {
    const { spec } = r;
    const def = componentDef(spec.name);
    const mine = overrides.filter((o) => o.component === spec.name);
    for (const o of mine) this.#rewrites.push(`${spec.name}: override: ${o.describe}`);
    const logDir = r.dir;
    await mkdir(logDir, { recursive: true });
    if (r.plan.mode === "substitute") {
      const substitute = substituteOf(spec.name, r.plan.substitute);
      const dataDir = path.join(r.dir, "data");
      await mkdir(dataDir, { recursive: true });
      await this.#placements?.dataDir(r, dataDir);
      const listen = Object.fromEntries(substitute.servesPorts.map((name) => [name, `${r.host}:${r.ports.get(servedPort(spec, name).containerPort)!}`]));
      this.#rewrites.push(
        `${spec.name}: ${substitute.describe} (${Object.entries(listen)
          .map(([name, address]) => `${name} ${address}`)
          .join(", ")})`,
      );
      const builtin = substitute.binaries === "builtin";
      return new ComponentProcess({
        component: spec.name,
        binary: r.plan.binary,
        argv: [...(builtin ? [OBSCONF_BIN, "sink"] : []), ...substitute.argv({ listen, dataDir })],
        env: baseEnv(r.dir),
        cwd: r.dir,
        logDir,
        ...(r.netns ? { netns: r.netns.info.name } : {}),
        ...(this.#ledger ? { ledger: this.#ledger } : {}),
        readiness: { kind: "http", url: `http://${Object.values(listen)[0]}${substitute.readinessPath}` },
      });
    }
    const dependsOn = new Set<string>();
    this.#dependsOn.set(spec.name, dependsOn);
    const depends = (service: LocalService) => service.component !== spec.name && service.component !== "harness" && dependsOn.add(service.component);
    const mounts = spec.container.mounts.map((m) => ({
      containerPath: m.mountPath,
      localPath: m.kind === "host" ? this.#hostPathHere(m.hostPath) : path.join(r.dir, "fs", m.mountPath),
    }));
    const context: RewriteContext = { services, mounts, ownPorts: r.ports, listenHost: r.host };
    for (const mount of spec.container.mounts) {
      if (mount.kind === "host") {
        const local = this.#hostPathHere(mount.hostPath);
        if (local !== mount.hostPath) {
          await mkdir(local, { recursive: true });
          this.#rewrites.push(
            `${spec.name}: hostPath ${mount.hostPath} (mounted at ${mount.mountPath}) -> ${local} (the run's stand-in for the node's directory)`,
          );
        }
        continue;
      }
      const local = path.join(r.dir, "fs", mount.mountPath);
      if (mount.kind === "data") {
        await mkdir(local, { recursive: true });
        await this.#placements?.dataDir(r, local);
        continue;
      }
      for (const file of mount.files) {
        const localFile = path.join(r.dir, "fs", file.path);
        let content = file.content;
        for (const o of mine) if (o.file?.path === file.path) content = o.file.transform(content);
        const hits = new Set<string>();
        content = rewriteText(content, context, (from, to, service) => {
          hits.add(`${from} -> ${to}`);
          depends(service);
        });
        for (const hit of hits) this.#rewrites.push(`${spec.name}: ${file.path}: ${hit}`);
        content = def.adaptConfigFile
          ? def.adaptConfigFile(
              { ...file, content },
              {
                services,
                pods: this.#pods,
                podLogDir: podLogDir(this.nodeRootDir),
                listen: { listenHost: r.host, inNamespace: r.netns !== undefined },
                note: (line) => this.#rewrites.push(line),
              },
            )
          : content;
        await mkdir(path.dirname(localFile), { recursive: true });
        await writeFile(localFile, content, { mode: mount.from.kind === "Secret" ? 0o600 : 0o644 });
      }
    }
    let args = [...spec.container.args];
    for (const o of mine) if (o.args) args = o.args(args);
    const rewritten = args.map((a) => rewriteArg(a, context, (_from, _to, service) => depends(service)));
    rewritten.forEach((a, i) => {
      if (a !== args[i]) this.#rewrites.push(`${spec.name}: arg ${args[i]} -> ${a}`);
    });
    let argv = def.localArgv ? def.localArgv(spec, rewritten, { listenHost: r.host, inNamespace: r.netns !== undefined }) : rewritten;
    if (r.plan.kubeconfig) {
      argv = [...argv, `--kubeconfig=${r.plan.kubeconfig}`];
      this.#rewrites.push(`${spec.name}: + --kubeconfig=${r.plan.kubeconfig} (the Kubernetes API it watches; OBSCONF_KUBECONFIG)`);
    }
    const containerEnv = Object.fromEntries(
      spec.container.env.map((e) => [
        e.name,
        "value" in e ? rewriteEnvValue(e.name, e.value, context, (_from, _to, service) => depends(service)) : fieldRef(e.fieldRef, spec),
      ]),
    );
    let env = { ...baseEnv(r.dir), ...containerEnv };
    let binary = r.plan.binary;
    let afterReady: ((signal: AbortSignal) => Promise<void>) | undefined;
    if (def.localLaunch) {
      const launch = await def.localLaunch({
        spec,
        binary: r.plan.binary,
        ...(r.plan.installDir ? { installDir: r.plan.installDir } : {}),
        containerEnv,
        args: rewritten,
        dir: r.dir,
        localPath: (containerPath) => rewriteMountPaths(containerPath, context.mounts),
        reachOf: (containerPort) => r.reach.get(containerPort),
        note: (line) => this.#rewrites.push(line),
      });
      binary = launch.binary;
      argv = launch.argv;
      env = { ...env, ...launch.env };
      afterReady = launch.afterReady;
    }
    const readiness = spec.container.readiness;
    const probePort = readiness && readiness.kind !== "exec" ? r.ports.get(readiness.port) : undefined;
    logger.debug(`${spec.name}: run dir ${r.dir}`);
    return new ComponentProcess({
      component: spec.name,
      binary,
      argv,
      env,
      cwd: r.dir,
      logDir,
      ...(afterReady ? { afterReady } : {}),
      ...(r.netns ? { netns: r.netns.info.name } : {}),
      ...(this.#ledger ? { ledger: this.#ledger } : {}),
      ...(readiness?.kind === "http" && probePort ? { readiness: { kind: "http" as const, url: `http://${r.host}:${probePort}${readiness.path}` } } : {}),
      ...(readiness?.kind === "tcp" && probePort ? { readiness: { kind: "tcp" as const, host: r.host, port: probePort } } : {}),
    });
  }

  /**
   * Node directories the agents read or keep state in (/var/log, /run) map into `nodeRootDir`, so a
   * local agent reads the harness's pod log files and never the host's; other hostPaths (node-exporter's
   * /proc, /sys, /) stay the host's own.
   */
  #hostPathHere(hostPath: string): string {
    return /^\/(var\/log|run)(\/|$)/.test(hostPath) ? path.join(this.nodeRootDir, hostPath) : hostPath;
  }

  stop(): Promise<StoppedStack> {
    this.#stopped ??= (async () => {
      const exits: StoppedStack["exits"] = {};
      // In waves, senders before receivers: Prometheus flushes its remote-write queue to Mimir
      // and its alerts to Alertmanager while they still listen, so it can exit cleanly.
      const running = new Set(this.#processes.keys());
      while (running.size > 0) {
        const neededByOthers = new Set([...running].flatMap((name) => [...(this.#dependsOn.get(name) ?? [])]));
        const wave = [...running].filter((name) => !neededByOthers.has(name));
        const stopping = wave.length > 0 ? wave : [...running]; // a cycle: stop the rest together
        await Promise.all(
          stopping.map(async (name) => {
            const info = await this.#processes.get(name)!.stop();
            exits[name] = info ? { code: info.code, signal: info.signal } : undefined;
            running.delete(name);
          }),
        );
      }
      await this.#placements?.release();
      for (const hook of this.#stopHooks) hook();
      return { runDir: this.runDir, exits };
    })();
    return this.#stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function substitutePaths(r: Runnable): Pick<LocalService, "pathRewrites"> {
  if (r.plan.mode !== "substitute") return {};
  const rewrites = substituteOf(r.spec.name, r.plan.substitute).pathRewrites;
  return rewrites ? { pathRewrites: rewrites } : {};
}

function substituteOf(component: string, name: string): SubstituteDef {
  const substitute = componentDef(component).substitutes?.find((s) => s.name === name);
  if (!substitute) throw new HarnessError(`${component} has no substitute named ${name}`);
  return substitute;
}

/** The container port a substitute serves, by the name the manifest gives it. */
function servedPort(spec: ComponentSpec, name: string): { name: string; containerPort: number } {
  const port = spec.container.ports.find((p) => p.name === name);
  if (!port)
    throw new HarnessError(
      `${spec.name}'s substitute serves port ${JSON.stringify(name)}, but the manifest's container declares ${spec.container.ports.map((p) => p.name).join(", ")}`,
    );
  return port;
}

async function uniqueFreePort(used: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (!used.has(port)) {
      used.add(port);
      return port;
    }
  }
  throw new HarnessError("could not get 20 distinct free loopback ports from the OS");
}

function endpoint(local: { host: string; port: number }): Endpoint {
  return { host: local.host, port: local.port, url: `http://${local.host}:${local.port}` };
}

function baseEnv(dir: string): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LANG: "C.UTF-8", TZ: "UTC" };
}

function fieldRef(fieldPath: string, spec: ComponentSpec): string {
  switch (fieldPath) {
    case "metadata.name":
      return localPodName(spec);
    case "metadata.namespace":
      return spec.workload.namespace;
    case "status.podIP":
    case "status.hostIP":
      return "127.0.0.1";
    case "spec.nodeName":
      return hostname();
    default:
      return "";
  }
}
