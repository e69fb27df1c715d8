/** How a runtime will run each component: the rows of `obsconf plan` and the report's inventory. */
export type ComponentPlan = PlanBase &
  (
    | {
        mode: "process";
        binary: string;
        binaryVersion?: string;
        versionMismatch: boolean;
        /** Where the binary came from (absent in plans that predate provisioning, e.g. test fixtures). */
        source?: BinarySource;
        /** Why the provisioned build at the manifest's version was not used, when a fallback runs. */
        fallbackReason?: string;
        /** A provisioned component's cache directory (Kafka: its libs/ run on `binary`, java). */
        installDir?: string;
        /** kube-state-metrics and the like: the kubeconfig of the API server they watch locally. */
        kubeconfig?: string;
      }
    | { mode: "substitute"; substitute: string; binary: string; binaryVersion?: string; describe: string; reason: string; source?: BinarySource }
    | { mode: "unavailable"; reason: string }
    | { mode: "pod" }
    /** A component of a stack obsconf did not start (`--runtime attach`), at the endpoints file's URLs. */
    | { mode: "attached"; endpoints: Readonly<Record<string, string>>; file: string }
  );

/**
 * `bin`: named with --bin; `provisioned`: built or fetched at the manifest's version into the component
 * cache (obsconf setup components); `debian`: a Debian package's binary on PATH (older, the fallback);
 * `path`: another binary on PATH; `builtin`: a reference sink shipped with obsconf (substitutes only).
 */
export type BinarySource = "bin" | "provisioned" | "debian" | "path" | "builtin";

interface PlanBase {
  component: string;
  title: string;
  image: string;
  manifestVersion: string;
}

export interface StackPlan {
  runtime: "local" | "k3s" | "cluster" | "attach";
  /** Why this runtime was chosen (matters for `auto`). */
  reason: string;
  components: ComponentPlan[];
}

/** Normalises `v3.5.0`, `2.42.0+ds`, `0.48.0-debian` to `x.y.z` for version comparison. */
export function coreVersion(version: string): string {
  return /(\d+\.\d+\.\d+)/.exec(version)?.[1] ?? version;
}
