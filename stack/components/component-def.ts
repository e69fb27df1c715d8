import type { ComponentSpec, ConfigFile } from "../manifest/component-spec.ts";

/** What the harness knows about a component beyond its manifest: how to find and run it locally. */
export interface ComponentDef {
  readonly name: string;
  readonly title: string;
  readonly pillar: "metrics" | "logs" | "traces" | "alerting" | "visualization" | "ml-ingestion";
  /** Executable names on PATH, in order of preference (Debian's names and upstream's). */
  readonly binaries: readonly string[];
  readonly versionArgs: readonly string[];
  /** First capture group is the version. */
  readonly versionPattern: RegExp;
  /** Why it cannot run as a local process even when the binary exists (e.g. it needs a Kubernetes API). */
  readonly localBlocker?: string;
  /** The blocker is lifted when the local runtime is given a kubeconfig (LocalPlanOptions.kubeconfig): the component watches that API server. */
  readonly unblockedByKubeconfig?: boolean;
  /**
   * Set (to the reason) for a component that exits at start when a component it sends to does not answer
   * yet: the local runtime starts it once those are ready or failed.
   */
  readonly startsAfterDependencies?: string;
  /** Stand-ins used when the real binary is absent, in order of preference. */
  readonly substitutes?: readonly SubstituteDef[];
  /** argv for the local process from the manifest's (already rewritten) command and args. */
  localArgv?(spec: ComponentSpec, args: readonly string[], context: LocalArgvContext): string[];
  /** Component-specific loopback adaptation of one config file, after the generic rewrites. */
  adaptConfigFile?(file: ConfigFile, context: LocalAdaptContext): string;
  /**
   * For an image whose entrypoint does more than exec its args (Kafka's turns KAFKA_* variables into
   * server.properties and formats the log dir): the local process that does the same. Absent: the
   * plan's binary runs with the manifest's (rewritten) args and env.
   */
  localLaunch?(input: LocalLaunchInput): Promise<LocalLaunch>;
}

export interface LocalLaunchInput {
  spec: ComponentSpec;
  /** The plan's binary (Kafka: java) and, for a provisioned component, its cache directory. */
  binary: string;
  installDir?: string;
  /** The container's environment after the loopback rewrite, without the runtime's base variables. */
  containerEnv: Readonly<Record<string, string>>;
  /** The manifest's args after the loopback rewrite. */
  args: readonly string[];
  /** The component's run directory (config files the launch writes go here). */
  dir: string;
  /** The container's files as written locally: container path -> local path. */
  localPath(containerPath: string): string;
  /** The address clients reach the component's own container port at (through a fault proxy, if any). */
  reachOf(containerPort: number): { host: string; port: number } | undefined;
  note(line: string): void;
}

export interface LocalLaunch {
  binary: string;
  argv: string[];
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
  /**
   * Runs after each (re)start once the readiness probe passes, before the component counts as ready
   * (the container's postStart hook). Throws to fail the start.
   */
  afterReady?(signal: AbortSignal): Promise<void>;
}

/** Where the local process listens: `listenHost` (127.0.0.1, or its namespace's veth address). */
export interface LocalArgvContext {
  listenHost: string;
  /** True when it runs in a network namespace the runtime created for a fault. */
  inNamespace: boolean;
}

export interface SubstituteDef {
  readonly name: string;
  /**
   * Where the stand-in comes from: executables looked up on PATH, or `builtin` — a reference sink
   * shipped with obsconf and run as `node bin/obsconf.mjs sink <name>` (always available).
   */
  readonly binaries: readonly string[] | "builtin";
  readonly versionArgs: readonly string[];
  readonly versionPattern: RegExp;
  /** One line for plans and reports: what stands in for what, and how far the stand-in goes. */
  readonly describe: string;
  /** Container port names of the component the substitute serves; other ports stay unserved. */
  readonly servesPorts: readonly string[];
  /** argv after the binary; `listen` maps each served port name to `127.0.0.1:<port>`. */
  argv(options: { listen: Readonly<Record<string, string>>; dataDir: string }): string[];
  /** API paths of the component the substitute serves elsewhere: other components' URLs are rewritten. */
  readonly pathRewrites?: Readonly<Record<string, string>>;
  /** Readiness path on the first served port. */
  readonly readinessPath: string;
  /**
   * Where it keeps what it accepted: `memory` (gone with the process: a kill or restart of it says
   * nothing about the real component's durability) or `disk` (its data dir, kept across restarts).
   */
  readonly keepsData: "memory" | "disk";
}

/** A Service as the local runtime sees it: loopback addresses per named port. */
export interface LocalService {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  component: string;
  podName: string;
  podLabels: Record<string, string>;
  containerName: string;
  ports: { name: string; port: number; targetPortName?: string; containerPort: number; local: { host: string; port: number } }[];
  /** Set when a substitute serves the component: URL paths to rewrite after its address. */
  pathRewrites?: Readonly<Record<string, string>>;
}

/** A pod the harness writes container log files for (the local stand-in for a pod on the node). */
export interface LocalPod {
  name: string;
  namespace: string;
  uid: string;
  containerName: string;
  labels: Record<string, string>;
}

export interface LocalAdaptContext {
  services: readonly LocalService[];
  /** Harness pods whose log files are under `podLogDir` (what Kubernetes discovery would list). */
  pods: readonly LocalPod[];
  /** The local directory standing in for the node's `/var/log/pods`. */
  podLogDir: string;
  /** Where the component listens (absent where no process is started, e.g. `obsconf validate`). */
  listen?: LocalArgvContext;
  /** Lines describing what was rewritten, printed by the runtime. */
  note(rewrite: string): void;
}
