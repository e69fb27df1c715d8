import type { ComponentPlan } from "./plan.ts";

/** A reachable address of one named Service port of a component. */
export interface Endpoint {
  host: string;
  port: number;
  /** `http://host:port` (the scheme is http for every API the harness uses). */
  url: string;
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

export interface StoppedStack {
  runDir: string;
  exits: Record<string, { code: number | null; signal: string | null } | undefined>;
}

export interface StartedStack extends AsyncDisposable {
  readonly runtime: "local" | "k3s" | "cluster";
  readonly runId: string;
  readonly runDir: string;
  components(): readonly ComponentStatus[];
  endpoints(): StackEndpoints;
  /** The loopback rewrites and overrides applied, one line each (printed and reported). */
  rewrites(): readonly string[];
  stop(): Promise<StoppedStack>;
}
