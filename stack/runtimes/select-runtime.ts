import { isIP } from "node:net";
import { InputError } from "../../common/errors.ts";
import { parseReachability, type Reachability } from "./cluster/reachability.ts";
import type { AttachEndpoints } from "./attach/endpoints-file.ts";
import { probeK3s, type K3sProbe } from "./k3s/probe-k3s.ts";

export type RuntimeName = "local" | "k3s" | "cluster" | "auto";
export const RUNTIME_NAMES: readonly RuntimeName[] = ["local", "k3s", "cluster", "auto"];

export interface RuntimeChoice {
  /** `attach`: a stack obsconf did not start, reached at the endpoints file's URLs (`run --runtime attach --endpoints FILE`). */
  runtime: "local" | "k3s" | "cluster" | "attach";
  /** One line, printed and recorded in RunResult.runtime.reason. */
  reason: string;
  /** What the k3s probe found (auto and k3s). */
  probe?: K3sProbe;
  /** k3s: `--images DIR`, image archives preloaded before apply. */
  imagesDir?: string;
  /** cluster: `--context` of KUBECONFIG. */
  context?: string;
  /** cluster: `--reach`, how the harness reaches the stack's Services (default port-forward). */
  reach?: Reachability;
  /** cluster: `--harness-address`, an IP of this machine the cluster's pods reach (alert sinks, canary target). */
  harnessAddress?: string;
  /** attach: `--endpoints FILE`, read and checked before anything starts. */
  attach?: AttachEndpoints;
}

/**
 * The cluster flags of `up` and `run` (`--reach`, `--harness-address`) on a choice; bad input exits 2
 * naming the flag. startStack hands them to the cluster runtime, so scenarios need not know them.
 */
export function withClusterFlags(choice: RuntimeChoice, flags: { reach?: string; harnessAddress?: string }): RuntimeChoice {
  if (flags.harnessAddress !== undefined && isIP(flags.harnessAddress) === 0) {
    throw new InputError(
      { file: "command line", field: "--harness-address" },
      "an IP address of this machine that the cluster's pods can reach",
      JSON.stringify(flags.harnessAddress),
    );
  }
  return {
    ...choice,
    ...(flags.reach !== undefined ? { reach: parseReachability(flags.reach) } : {}),
    ...(flags.harnessAddress !== undefined ? { harnessAddress: flags.harnessAddress } : {}),
  };
}

const ANY = "one of local, k3s, cluster, auto";
const LOCAL_ONLY = "local or auto (this command starts the local runtime only)";

export function parseRuntimeName(requested: string): RuntimeName {
  if (!RUNTIME_NAMES.includes(requested as RuntimeName)) throw new InputError({ file: "command line", field: "--runtime" }, ANY, JSON.stringify(requested));
  return requested as RuntimeName;
}

/**
 * For callers that start the local runtime only (tests, the bench): `auto` is local, and k3s or
 * cluster asked for explicitly is refused rather than silently run locally. Commands use
 * `resolveRuntime`.
 */
export function selectRuntime(requested: string): RuntimeChoice {
  switch (parseRuntimeName(requested)) {
    case "local":
      return { runtime: "local", reason: "--runtime local" };
    case "auto":
      return { runtime: "local", reason: "auto: this caller starts the local runtime only, so the local runtime runs" };
    case "k3s":
    case "cluster":
      throw new InputError({ file: "command line", field: "--runtime" }, LOCAL_ONLY, JSON.stringify(requested));
  }
}

export interface ResolveRuntimeOptions {
  /** The k3s probe (tests pass one over a fake engine); defaults to probing the engine of DOCKER_HOST. */
  probe?: () => Promise<K3sProbe>;
  /** The kube context the cluster runtime uses, for the reason text. */
  context?: string;
}

/**
 * `--runtime` as DESIGN.md describes it. `auto`: k3s when a container engine answers and the k3s
 * image is present (or in `--images`, or its registry serves it), else local, with the reason
 * either way. The probe is bounded (see probeK3s), so `auto` never hangs on an engine or a pull.
 * `k3s` asked for explicitly carries the probe, so `plan` can say what is missing and `start`
 * can refuse before it touches the engine.
 */
export async function resolveRuntime(requested: string, { probe = () => probeK3s(), context }: ResolveRuntimeOptions = {}): Promise<RuntimeChoice> {
  switch (parseRuntimeName(requested)) {
    case "local":
      return { runtime: "local", reason: "--runtime local" };
    case "cluster":
      return { runtime: "cluster", reason: `--runtime cluster (kube context ${context ?? "the current context of KUBECONFIG"})` };
    case "k3s": {
      const found = await probe();
      return { runtime: "k3s", reason: `--runtime k3s: ${found.reason}`, probe: found };
    }
    case "auto": {
      const found = await probe();
      return found.usable
        ? { runtime: "k3s", reason: `auto: ${found.reason}`, probe: found }
        : { runtime: "local", reason: `auto: ${found.reason}, so the local runtime runs`, probe: found };
    }
  }
}
