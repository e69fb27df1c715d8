import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LocalRuntime, type FaultPlacement, type StartedLocalStack } from "../stack/index.ts";

/**
 * Test support: the real Prometheus of the manifests (remote-write receiver on, as the manifest
 * says), started alone through the local runtime with the given fault placements.
 */
export const MANIFESTS = path.resolve(import.meta.dirname, "../stack/manifests");
export const PROMETHEUS_SKIP = existsSync("/usr/bin/prometheus")
  ? undefined
  : "/usr/bin/prometheus not found: install Debian's prometheus package to run the fault tests";

export interface PrometheusStack extends AsyncDisposable {
  stack: StartedLocalStack;
  /** Where clients reach Prometheus's web port (the fault proxy's address when one is placed). */
  url: string;
}

export async function startPrometheusStack(
  placements: readonly FaultPlacement[] = [],
  { also = [] }: { also?: readonly string[] } = {},
): Promise<PrometheusStack> {
  const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-chaos-test-"));
  const stack = await LocalRuntime.start({ manifestsDir: MANIFESTS, runsDir, only: ["prometheus", ...also], placements, readyTimeoutMs: 30_000 });
  const cleanup = async () => {
    await stack.stop();
    await rm(runsDir, { recursive: true, force: true });
  };
  const status = stack.components().find((c) => c.plan.component === "prometheus")!.status;
  if (status.state !== "ready") {
    await cleanup();
    throw new Error(`prometheus did not start: ${JSON.stringify(status)}`);
  }
  return { stack, url: stack.endpoints().prometheus!.web!.url, [Symbol.asyncDispose]: cleanup };
}
