import { formatTable } from "../../common/text-table.ts";
import {
  COMPONENT_NAMES,
  REACHABILITY_TEXT,
  describeKubeContext,
  extractComponents,
  formatK3sPlan,
  formatKubePlan,
  imagePlan,
  loadKubeContext,
  loadManifests,
  parseReachability,
  planK3s,
  planKube,
  planLocal,
  renderForTarget,
  resolveRuntime,
  runNamespace,
  type BinarySource,
  type ComponentPlan,
} from "../../stack/index.ts";

export interface PlanCommandOptions {
  runtime: string;
  manifests: string;
  bin: Record<string, string>;
  /** `--images DIR`: image archives for an offline k3s run. */
  images?: string;
  /** `--context NAME`: the kube context of a cluster run. */
  context?: string;
  /** `--reach`: how a cluster run's Services are reached (port-forward, node-port, load-balancer). */
  reach?: string;
}

/** The run id a plan shows in place of a real one (a cluster run names its namespace after its id). */
const PLAN_RUN_ID = "run-id";

/**
 * `obsconf plan`: how each component of the manifests would run, and with which version. For
 * k3s (and auto) the container engine and the k3s image are probed with bounded calls first; a
 * missing image is listed with the commands that preload it.
 */
export async function planCommand(options: PlanCommandOptions): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const wantsK3s = options.runtime === "k3s" || options.runtime === "auto";
  const k3s = wantsK3s ? await planK3s({ manifestsDir: options.manifests, ...(options.images ? { imagesDir: options.images } : {}) }) : undefined;
  const choice = await resolveRuntime(options.runtime, {
    ...(k3s ? { probe: async () => k3s.probe } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  if (choice.runtime === "k3s" && k3s) {
    out(`runtime: k3s (${choice.reason})\n\n${formatK3sPlan(k3s, options.images)}`);
    return 0;
  }
  if (choice.runtime === "cluster") {
    const kc = loadKubeContext(options.context !== undefined ? { context: options.context } : {});
    const set = await loadManifests(options.manifests);
    const specs = extractComponents(set, COMPONENT_NAMES);
    const target = { kind: "cluster" as const, namespace: runNamespace(PLAN_RUN_ID), runId: PLAN_RUN_ID };
    const rendered = renderForTarget(set, target);
    const images = await imagePlan(rendered, { k3sImage: null });
    const reach = parseReachability(options.reach ?? "port-forward");
    out(`runtime: cluster (${choice.reason})\n${describeKubeContext(kc)}\nreachability: ${reach}: ${REACHABILITY_TEXT[reach]}\n`);
    out(`namespace: obsconf-<run-id>, created, labelled and deleted by each run (shown below as ${target.namespace})\n\n`);
    out(formatKubePlan({ plans: planKube(specs, rendered, images, target), specs, rendered, images, target }));
    return 0;
  }
  const specs = extractComponents(await loadManifests(options.manifests), COMPONENT_NAMES);
  const plans = await planLocal(specs, { bins: options.bin });
  out(`runtime: ${choice.runtime} (${choice.reason})\n\n`);
  out(`${formatTable(["component", "manifest image", "runs as", "binary / substitute", "from", "version", "note"], plans.map(planRow), { maxWidth: 130 })}\n`);
  const counts = ["process", "substitute", "unavailable"].map(
    (mode) => `${plans.filter((p) => p.mode === mode).length} ${mode === "substitute" ? "simulated" : mode}`,
  );
  out(`\n${plans.length} components: ${counts.join(", ")}\n`);
  if (k3s && !k3s.probe.usable && k3s.probe.problem === "no-image")
    out(`\nthe k3s runtime would need the k3s image: obsconf plan --runtime k3s lists what is missing and how to preload it\n`);
  return 0;
}

/** The plan's "from" column: where the binary that runs came from. */
const SOURCE_TEXT: Readonly<Record<BinarySource, string>> = {
  builtin: "builtin",
  provisioned: "provisioned",
  debian: "Debian",
  path: "PATH",
  bin: "--bin",
};

export function planRow(plan: ComponentPlan): string[] {
  switch (plan.mode) {
    case "process": {
      const notes = [
        plan.versionMismatch ? `version differs: manifest ${plan.manifestVersion}, binary ${plan.binaryVersion}` : "",
        plan.fallbackReason ? `fallback: ${plan.fallbackReason}` : "",
        plan.installDir && !plan.binary.startsWith(plan.installDir) ? `runs the jars in ${plan.installDir}/libs` : "",
      ].filter(Boolean);
      return [plan.component, plan.image, "process", plan.binary, SOURCE_TEXT[plan.source ?? "path"], plan.binaryVersion ?? "unknown", notes.join("; ")];
    }
    case "substitute":
      return [
        plan.component,
        plan.image,
        "simulated",
        `${plan.substitute} (${plan.binary})`,
        plan.source ? SOURCE_TEXT[plan.source] : "PATH",
        plan.binaryVersion ?? "unknown",
        plan.describe,
      ];
    case "unavailable":
      return [plan.component, plan.image, "unavailable", "-", "-", "-", plan.reason];
    case "pod":
      return [plan.component, plan.image, "pod", "-", "image", plan.manifestVersion, ""];
    case "attached":
      return [plan.component, plan.image, "attached", Object.values(plan.endpoints).join(", "), plan.file, "not known", "obsconf did not start it"];
  }
}
