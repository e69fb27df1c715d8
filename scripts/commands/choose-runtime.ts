import { InputError } from "../../common/errors.ts";
import {
  COMPONENT_NAMES,
  checkEndpointsAgainstManifests,
  extractComponents,
  loadEndpointsFile,
  loadManifests,
  planK3s,
  resolveRuntime,
  withClusterFlags,
  type RuntimeChoice,
} from "../../stack/index.ts";

export interface ChooseRuntimeOptions {
  runtime: string;
  manifests: string;
  images?: string;
  context?: string;
  reach?: string;
  harnessAddress?: string;
  /** `--endpoints FILE` of `--runtime attach`. */
  endpoints?: string;
}

/**
 * `--runtime` for a run: local, k3s, cluster, auto (k3s when an engine answers and the k3s image is
 * present or in `--images`, else local; the probe is bounded) or attach (the stack in `--endpoints`,
 * read and checked against the manifests here, before anything starts). Chaos drills need the local
 * runtime's process, proxy, namespace and tmpfs control, so they refuse k3s and cluster; on attach
 * every fault is unsupported, saying why.
 */
export async function chooseRuntime(scenario: string, options: ChooseRuntimeOptions): Promise<RuntimeChoice> {
  if (options.runtime === "attach") return attachChoice(options);
  if (options.endpoints !== undefined) {
    throw new InputError(
      { file: "command line", field: "--endpoints" },
      "--endpoints only with --runtime attach",
      `--endpoints with --runtime ${options.runtime}`,
    );
  }
  if (scenario === "chaos") {
    if (options.runtime === "k3s" || options.runtime === "cluster") {
      throw new InputError(
        { file: "command line", field: "--runtime" },
        "local, auto or attach for 'run chaos' (its faults act on local processes; pod delete and network faults on k3s or a cluster are not built)",
        JSON.stringify(options.runtime),
      );
    }
    return resolveRuntime("local").then((choice) => ({
      ...choice,
      reason: options.runtime === "auto" ? "auto: chaos drills run on the local runtime" : choice.reason,
    }));
  }
  const choice = await resolveStackRuntime(options);
  return { ...choice, ...(options.images ? { imagesDir: options.images } : {}), ...(options.context ? { context: options.context } : {}) };
}

export type ResolveStackRuntimeOptions = Pick<ChooseRuntimeOptions, "runtime" | "manifests" | "images" | "context" | "reach" | "harnessAddress">;

/**
 * `--runtime` local, k3s, cluster or auto resolved (auto probes k3s, bounded), with `--reach` and
 * `--harness-address` applied: the one resolution `run` and `up` share.
 */
export async function resolveStackRuntime(options: ResolveStackRuntimeOptions): Promise<RuntimeChoice> {
  const wantsK3s = options.runtime === "k3s" || options.runtime === "auto";
  // The plan's probe includes the preflight (engine facts against the stack's requests).
  const probe = wantsK3s
    ? async () => (await planK3s({ manifestsDir: options.manifests, ...(options.images ? { imagesDir: options.images } : {}) })).probe
    : undefined;
  return withClusterFlags(
    await resolveRuntime(options.runtime, { ...(probe ? { probe } : {}), ...(options.context ? { context: options.context } : {}) }),
    options,
  );
}

async function attachChoice(options: ChooseRuntimeOptions): Promise<RuntimeChoice> {
  if (options.endpoints === undefined) {
    throw new InputError(
      { file: "command line", field: "--endpoints" },
      "an endpoints file with --runtime attach (component -> port -> URL; 'obsconf up --endpoints-out FILE' writes one)",
      "none",
    );
  }
  const attach = loadEndpointsFile(options.endpoints);
  checkEndpointsAgainstManifests(attach, extractComponents(await loadManifests(options.manifests), COMPONENT_NAMES));
  return { runtime: "attach", reason: `--runtime attach (endpoints from ${options.endpoints}; obsconf started nothing)`, attach };
}
