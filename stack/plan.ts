/** How a runtime will run each component: the rows of `obsconf plan` and the report's inventory. */
export type ComponentPlan = PlanBase &
  (
    | { mode: "process"; binary: string; binaryVersion?: string; versionMismatch: boolean }
    | { mode: "substitute"; substitute: string; binary: string; binaryVersion?: string; describe: string; reason: string }
    | { mode: "unavailable"; reason: string }
    | { mode: "pod" }
  );

interface PlanBase {
  component: string;
  title: string;
  image: string;
  manifestVersion: string;
}

export interface StackPlan {
  runtime: "local" | "k3s" | "cluster";
  /** Why this runtime was chosen (matters for `auto`). */
  reason: string;
  components: ComponentPlan[];
}

/** Normalises `v3.5.0`, `2.42.0+ds`, `0.48.0-debian` to `x.y.z` for version comparison. */
export function coreVersion(version: string): string {
  return /(\d+\.\d+\.\d+)/.exec(version)?.[1] ?? version;
}
