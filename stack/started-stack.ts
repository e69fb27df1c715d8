import type { Clock } from "../common/clock.ts";
import type { K8sObject } from "./manifest/load-manifests.ts";
import type { ComponentPlan } from "./plan.ts";

/** A reachable address of one named Service port of a component. */
export interface Endpoint {
  host: string;
  port: number;
  /** `http://host:port` (an attached stack's may be https and carry a path prefix). */
  url: string;
  /** Headers every request to it carries (an attached stack's credentials, read from the environment); never printed. */
  headers?: Readonly<Record<string, string>>;
}

/** component -> Service port name -> endpoint. The same shape for every runtime. */
export type StackEndpoints = Readonly<Record<string, Readonly<Record<string, Endpoint>>>>;

export type ComponentState =
  | { state: "ready"; readyAfterMs: number; pid?: number }
  | { state: "error"; error: string }
  | { state: "unavailable"; reason: string }
  | { state: "not-started"; reason: string };

export interface ComponentStatus {
  plan: ComponentPlan;
  status: ComponentState;
}

/** A change the harness makes to a component's manifest-defined run, never to the files on disk. */
export interface RuntimeOverride {
  component: string;
  /** One line for the report: what was changed and why. */
  describe: string;
  /** Rewrites the container's args (before the loopback rewrite). */
  args?(args: readonly string[]): string[];
  /** Rewrites one config file, named by its path inside the container. */
  file?: { path: string; transform(text: string): string };
}

/** A harness instrument (e.g. the canary /metrics target) offered to Kubernetes SD like a Service. */
export interface ExtraService {
  name: string;
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ports: { name: string; host: string; port: number }[];
}

/**
 * A harness pod whose container log file the harness writes (load/transport/file-transport.ts) under
 * the stack's `nodeRootDir`, offered to the log agents' Kubernetes pod discovery like a pod on the node.
 */
export interface ExtraPod {
  name: string;
  namespace: string;
  /** Part of the log directory's name (`<namespace>_<name>_<uid>`). */
  uid: string;
  container: string;
  labels?: Record<string, string>;
}

export interface StoppedStack {
  runDir: string;
  exits: Record<string, { code: number | null; signal: string | null } | undefined>;
}

/**
 * A started component that exited although the harness did not stop it and no fault killed it
 * (a chaos kill, restart or the stack's own stop are not deaths). Recorded at the exit.
 */
export interface ComponentDeath {
  component: string;
  /** The pid that exited. */
  pid?: number;
  /** Wall-clock time of the exit, ms since the epoch. */
  atMs: number;
  /** Time from the run's start (`LocalStartOptions.runStartedAtMs`, default the stack's start) to the exit, ms. */
  sinceStartMs: number;
  exit: ComponentExit;
  /** Its last lines of output (stderr, then stdout), as on disk right after the exit. */
  lastLogLines: string;
  /** One line, e.g. `prometheus exited (signal KILL) at 15 s` or `alertmanager exited (exit code 1) at 42 s`. */
  summary: string;
}

/** The reason of an aborted `lifeSignal(component)`, and the `cause` of a client call it cut short. */
export class ComponentDiedError extends Error {
  override name = "ComponentDiedError";
  constructor(readonly death: ComponentDeath) {
    super(`${death.summary}; its last output:\n${death.lastLogLines || "(nothing)"}`);
  }
}

/** The death behind an error, if any: the error itself or one of its causes is a ComponentDiedError. */
export function componentDeathOf(error: unknown): ComponentDeath | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof ComponentDiedError) return e.death;
  }
  return undefined;
}

/** `prometheus exited (signal KILL) at 15 s`. */
export function deathSummary(component: string, exit: ComponentExit, sinceStartMs: number): string {
  const how = exit.signal ? `signal ${exit.signal.replace(/^SIG/, "")}` : `exit code ${exit.code}`;
  return `${component} exited (${how}) at ${Math.round(sinceStartMs / 1000)} s`;
}

export interface StartedStack extends AsyncDisposable {
  /** `attach`: a stack obsconf did not start (stack/runtimes/attach/): no control, no deaths, no node files. */
  readonly runtime: "local" | "k3s" | "cluster" | "attach";
  readonly runId: string;
  readonly runDir: string;
  /**
   * Local runtime: the directory standing in for the node's `/` for pod log files, i.e. the
   * `rootDir` of a pod log file transport; the log agents read `<nodeRootDir>/var/log/pods`.
   * Undefined where the harness cannot write the node's log files (k3s, cluster).
   */
  readonly nodeRootDir?: string;
  components(): readonly ComponentStatus[];
  endpoints(): StackEndpoints;
  /** The loopback rewrites and overrides applied, one line each (printed and reported). */
  rewrites(): readonly string[];
  stop(): Promise<StoppedStack>;
  /**
   * The fault control surface of one started component (chaos/ uses it), or undefined when the
   * component is not running here or the runtime has none (k3s/cluster: not yet).
   */
  control?(component: string): ComponentControl | undefined;
  /** cluster: k6-operator TestRuns in the run namespace (load at scale); absent on runtimes without one. */
  testRuns?(): Promise<TestRunAccess>;
  /**
   * Unexpected exits of started components so far, in order (local runtime; k3s and cluster do
   * not watch their pods yet and leave these undefined).
   */
  deaths?(): readonly ComponentDeath[];
  /** Calls `listener` at each unexpected exit from now on; returns the unsubscribe function. */
  onDeath?(listener: (death: ComponentDeath) => void): () => void;
  /**
   * Aborted, with a ComponentDiedError as its reason, when the component dies unexpectedly (once:
   * a later restart by a fault does not reset it). Pass it to the component's client
   * (`lifeSignal` option) so calls in flight and later fail at once naming the death.
   * Never aborted for a component that is not started.
   */
  lifeSignal?(component: string): AbortSignal;
}

/** What a cluster run offers k6-operator load: its namespace, the in-cluster addresses, applying and awaiting TestRuns. */
export interface TestRunAccess {
  /** Whether the k6-operator's TestRun CRD is installed, and what the API said. */
  readonly operator: { installed: boolean; detail: string };
  readonly namespace: string;
  readonly runId: string;
  /** Each component's Service ports by in-cluster DNS name: what runner pods reach. */
  readonly inClusterEndpoints: StackEndpoints;
  /** Applies rendered run objects (TestRuns) into the run namespace, labelled for teardown and cleanup. */
  applyRunObjects(objects: readonly K8sObject[]): Promise<void>;
  /** Waits (bounded) for the TestRuns to reach `status.stage` finished or error. */
  waitForTestRuns(
    names: readonly string[],
    options: { timeoutMs: number; intervalMs?: number; clock?: Clock },
  ): Promise<{ name: string; stage: "finished" | "error" }[]>;
}

/**
 * What a fault needs the runtime to set up when the stack starts (chaos/ asks for it through
 * `Fault.preflight()`, a scenario passes it to the runtime's start options). Placements are
 * idempotent: asking twice for the same thing gives one.
 */
export type FaultPlacement =
  /**
   * A userspace proxy in front of one named Service port of the component. The component listens
   * on an inner port; every client (generators, readers, other components) reaches it through
   * the proxy, whose address `endpoints()` returns (the rewrite is listed in `rewrites()`).
   * `tcp` forwards bytes (delay, loss, partition); `http` is HTTP/1.1-aware and can also answer
   * requests itself (5xx/429 injection, ack-and-drop). `http` serves every `tcp` fault too.
   */
  | { kind: "proxy"; component: string /** Service port name, or `*` for every Service port. */; port: string; mode: "tcp" | "http" }
  /**
   * The component runs inside a network namespace the runtime creates, reached over a veth pair
   * at the namespace's address (loss/partition rules go inside it). Needs root and `ip`.
   */
  | { kind: "netns"; component: string }
  /** The component's data directories are each a tmpfs of `bytes` mounted by the runtime (disk full). Needs root. */
  | { kind: "tmpfs-data"; component: string; bytes: number };

/** What a fault proxy currently does to traffic; the zero value (`{}`) forwards everything untouched. */
export interface ProxyFaultSettings {
  /** Client->server bytes are held this long before forwarding (adds ~delayMs per request/response exchange). */
  delayMs?: number;
  /** Percent (0-100) of new connections and of client chunks on open ones (tcp), or of requests (http), cut without a reply (connection reset). */
  lossPercent?: number;
  /** Accept connections but forward nothing either way, and stall those already open (a black hole). */
  partition?: boolean;
  /** Answer matching requests with this status instead of forwarding them (http mode only). */
  httpError?: { status: number; retryAfterSeconds?: number; scope: ProxyScope };
  /** Answer matching requests with `status` (default 204) without forwarding them: acknowledged, never stored (http mode only). */
  ackDrop?: { status?: number; scope: ProxyScope };
}

/** `writes`: requests other than GET/HEAD (pushes); `all`: every request. */
export type ProxyScope = "writes" | "all";

/** Counters since the proxy started (all modes count connections; http counts requests). */
export interface ProxyStats {
  connections: number;
  requests: number;
  forwarded: number;
  /** Requests answered with an injected error status. */
  injectedErrors: number;
  /** Requests acknowledged without forwarding (ack-and-drop). */
  ackedDropped: number;
  /** Connections or requests cut by loss or partition. */
  cut: number;
}

export interface FaultProxyControl {
  readonly component: string;
  /** Service port name the proxy stands in front of (e.g. `web`). */
  readonly port: string;
  readonly mode: "tcp" | "http";
  /** Where clients connect (what `endpoints()` returns for this port). */
  readonly listen: Endpoint;
  /** Where the component itself listens. */
  readonly upstream: Endpoint;
  /** Replaces the current settings (affects new bytes/requests at once). */
  set(settings: ProxyFaultSettings): void;
  settings(): ProxyFaultSettings;
  stats(): ProxyStats;
}

/** A network namespace + veth pair the runtime made for one component. */
export interface NetnsPlacementInfo {
  /** `ip netns` name. */
  name: string;
  /** Host-side veth interface and its address. */
  hostVeth: string;
  hostAddress: string;
  /** Namespace-side veth interface and the address the component listens on. */
  nsVeth: string;
  address: string;
}

export type ComponentExit = { code: number | null; signal: string | null };

/** Control of one started component's process, for faults. Every call acts on the whole process group. */
export interface ComponentControl {
  readonly component: string;
  /** pid of the current process (it leads its own process group: pgid === pid); undefined when not running. */
  pid(): number | undefined;
  running(): boolean;
  /** True once the stack is stopping or stopped: `start()` then refuses, and faults must not restart anything. */
  stopping(): boolean;
  /**
   * Local paths of the component's data volumes (the manifest's PVC mounts: Prometheus's
   * `--storage.tsdb.path=/prometheus` is `<runDir>/prometheus/fs/prometheus`).
   */
  dataDirs(): readonly string[];
  /** Sends a signal to the process group (SIGSTOP/SIGCONT for pause). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL the process group and wait until it is gone. */
  kill(): Promise<ComponentExit | undefined>;
  /**
   * Starts the component again with the same binary, flags, ports and config (the old process
   * must be gone; `kill()` first). With `wipeData` the data dirs are emptied first (they stay
   * mount points). Resolves once spawned; `waitReady()` waits for its readiness probe.
   */
  start(options?: { wipeData?: boolean }): Promise<void>;
  /** Polls the manifest's readiness probe to the deadline; throws (with the binary's last output) when it exits. */
  waitReady(timeoutMs: number): Promise<{ readyAfterMs: number }>;
  /** The proxy placed in front of this Service port at start, if any. */
  proxy(port: string): FaultProxyControl | undefined;
  /** Every proxy placed in front of this component's ports. */
  proxies(): readonly FaultProxyControl[];
  netns(): NetnsPlacementInfo | undefined;
  /** The tmpfs data dirs mounted at start, if any. */
  tmpfs(): { paths: readonly string[]; bytes: number } | undefined;
}
