import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { InputError } from "../../../common/errors.ts";

export interface KubeContextOptions {
  /** `--context`; default: the kubeconfig's current context. */
  context?: string;
  /** Default: `$KUBECONFIG` or `~/.kube/config`, as kubectl reads them. */
  kubeconfigFile?: string;
}

/** The kubeconfig kubectl would use, on the context asked for; bad input names what exists. */
export function loadKubeContext({ context, kubeconfigFile }: KubeContextOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  const where = kubeconfigFile ?? process.env.KUBECONFIG ?? "~/.kube/config";
  // Without any kubeconfig, the client falls back to http://localhost:8080; a run must not guess a cluster.
  const candidates = kubeconfigFile
    ? [kubeconfigFile]
    : process.env.KUBECONFIG
      ? process.env.KUBECONFIG.split(path.delimiter).filter(Boolean)
      : [path.join(homedir(), ".kube", "config")];
  if (!process.env.KUBERNETES_SERVICE_HOST && !candidates.some((file) => existsSync(file))) {
    throw new InputError({ file: where }, "a kubeconfig (set KUBECONFIG or create ~/.kube/config, as for kubectl)", "no such file");
  }
  try {
    if (kubeconfigFile) kc.loadFromFile(kubeconfigFile);
    else kc.loadFromDefault();
  } catch (error) {
    throw new InputError({ file: where }, "a readable kubeconfig", error instanceof Error ? error.message : String(error), { cause: error });
  }
  const names = kc.getContexts().map((c) => c.name);
  if (context !== undefined) {
    if (!names.includes(context))
      throw new InputError(
        { file: "command line", field: "--context" },
        `a context of ${where} (${names.join(", ") || "it has none"})`,
        JSON.stringify(context),
      );
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentContext() || !kc.getCurrentCluster()) {
    throw new InputError(
      { file: where, field: "current-context" },
      "a current context naming a cluster (or --context NAME)",
      kc.getCurrentContext() ? JSON.stringify(kc.getCurrentContext()) : "none",
    );
  }
  return kc;
}

/** `context staging (cluster staging-eu, https://...)`, for the plan and the reason line. */
export function describeKubeContext(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  return `context ${kc.getCurrentContext()} (cluster ${cluster?.name ?? "?"}, ${cluster?.server ?? "?"})`;
}
