import { HarnessError } from "../../common/errors.ts";
import type { K8sObject } from "../../stack/manifest/load-manifests.ts";
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL } from "../../stack/runtimes/kube/run-namespace.ts";
import { K6_RUNNER_IMAGE } from "../../stack/runtimes/kube/versions.ts";
import { k6ScriptFiles } from "./k6-script-files.ts";
import { K6_INPUTS_FILE, SCRIPT_OF, type K6Inputs, type ShapeName } from "./scripts/inputs-shape.ts";

export interface K6TestRunOptions {
  /** Built with the in-cluster endpoints (what the runner pods reach), not the host's mapped ports. */
  inputs: K6Inputs;
  /** Shapes to run; default every shape the inputs carry. One TestRun each. */
  shapes?: readonly ShapeName[];
  namespace: string;
  runId: string;
  /** k6 runner pods per TestRun; the operator gives each an equal execution segment. */
  parallelism: number;
  /** Runners on different nodes (podAntiAffinity). Default false. */
  separate?: boolean;
}

/** Where the k6-operator mounts `spec.script.configMap` in every k6 pod. */
export const K6_OPERATOR_SCRIPT_DIR = "/test";
export const K6_SCRIPTS_CONFIGMAP = "obsconf-k6-scripts";
/** A ConfigMap holds at most 1 MiB (the k6-operator docs say so too). */
const CONFIGMAP_MAX_BYTES = 1_048_576;

/**
 * The k6-operator objects for a distributed run: one ConfigMap with every script and the run's
 * `k6-inputs.json` (the same files a local run writes), then one `TestRun` (k6.io/v1alpha1) per
 * shape. Each runner writes its points as JSON lines to stdout (`--out json=/dev/stdout`), so the
 * harness merges the runners' latency from their pod logs with `mergeK6Outputs`, as it does for
 * local generators. The runner image is K6_RUNNER_IMAGE (stack/runtimes/kube/versions.ts).
 */
export async function renderK6TestRuns(options: K6TestRunOptions): Promise<K8sObject[]> {
  const { inputs, namespace, runId, parallelism, separate = false } = options;
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new RangeError(`parallelism must be a whole number >= 1, saw ${parallelism}`);
  const shapes = options.shapes ?? (Object.keys(SCRIPT_OF) as ShapeName[]).filter((s) => inputs.shapes[s] !== undefined);
  const absent = shapes.filter((s) => inputs.shapes[s] === undefined);
  if (absent.length > 0)
    throw new HarnessError(
      `k6 TestRun: no ${absent.join(", ")} shape in the k6 inputs (${absent.map((s) => inputs.unavailable[s] ?? "not configured").join("; ")})`,
    );
  const labels = () => ({ [MANAGED_BY_LABEL]: MANAGED_BY, [RUN_ID_LABEL]: runId });

  const data = await k6ScriptFiles(inputs);
  const bytes = Object.entries(data).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
  if (bytes > CONFIGMAP_MAX_BYTES) throw new HarnessError(`k6 scripts ConfigMap: expected at most ${CONFIGMAP_MAX_BYTES} bytes, saw ${bytes}`);
  const configMap: K8sObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: K6_SCRIPTS_CONFIGMAP, namespace, labels: labels() }, data };

  const testRuns = shapes.map(
    (shape): K8sObject => ({
      apiVersion: "k6.io/v1alpha1",
      kind: "TestRun",
      metadata: { name: `obsconf-k6-${shape}`, namespace, labels: labels() },
      spec: {
        parallelism,
        separate,
        script: { configMap: { name: K6_SCRIPTS_CONFIGMAP, file: SCRIPT_OF[shape] } },
        arguments: `--out json=/dev/stdout --no-summary --tag obsconf_run=${runId}`,
        runner: {
          image: K6_RUNNER_IMAGE,
          metadata: { labels: labels() },
          env: [{ name: "OBSCONF_K6_INPUTS", value: `${K6_OPERATOR_SCRIPT_DIR}/${K6_INPUTS_FILE}` }],
        },
      },
    }),
  );
  return [configMap, ...testRuns];
}
