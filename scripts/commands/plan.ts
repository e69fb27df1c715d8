import { formatTable } from "../../common/text-table.ts";
import { COMPONENT_NAMES, extractComponents, loadManifests, planLocal, selectRuntime, type ComponentPlan } from "../../stack/index.ts";

export interface PlanCommandOptions {
  runtime: string;
  manifests: string;
  bin: Record<string, string>;
}

/** `obsconf plan`: how each component of the manifests would run, and with which version. */
export async function planCommand(options: PlanCommandOptions): Promise<number> {
  const choice = selectRuntime(options.runtime);
  const specs = extractComponents(await loadManifests(options.manifests), COMPONENT_NAMES);
  const plans = await planLocal(specs, { bins: options.bin });
  process.stdout.write(`runtime: ${choice.runtime} (${choice.reason})\n\n`);
  process.stdout.write(`${formatTable(["component", "manifest image", "runs as", "binary / substitute", "version", "note"], plans.map(planRow), { maxWidth: 110 })}\n`);
  const counts = ["process", "substitute", "unavailable"].map((mode) => `${plans.filter((p) => p.mode === mode).length} ${mode === "substitute" ? "simulated" : mode}`);
  process.stdout.write(`\n${plans.length} components: ${counts.join(", ")}\n`);
  return 0;
}

export function planRow(plan: ComponentPlan): string[] {
  switch (plan.mode) {
    case "process":
      return [plan.component, plan.image, "process", plan.binary, plan.binaryVersion ?? "unknown", plan.versionMismatch ? `version differs: manifest ${plan.manifestVersion}, binary ${plan.binaryVersion}` : ""];
    case "substitute":
      return [plan.component, plan.image, "simulated", `${plan.substitute} (${plan.binary})`, plan.binaryVersion ?? "unknown", plan.describe];
    case "unavailable":
      return [plan.component, plan.image, "unavailable", "-", "-", plan.reason];
    case "pod":
      return [plan.component, plan.image, "pod", "-", plan.manifestVersion, ""];
  }
}
