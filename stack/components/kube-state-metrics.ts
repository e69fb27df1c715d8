import type { ComponentDef } from "./component-def.ts";

export const kubeStateMetrics: ComponentDef = {
  name: "kube-state-metrics",
  title: "kube-state-metrics",
  pillar: "metrics",
  binaries: ["kube-state-metrics"],
  // `kube-state-metrics version` (a subcommand: 2.x has no --version flag).
  versionArgs: ["version"],
  versionPattern: /v?(\d+\.\d+\.\d+)/,
  localBlocker:
    "it watches a Kubernetes API server, and the local runtime has none (set OBSCONF_KUBECONFIG to a kubeconfig to run it against that API server, or use --runtime k3s or cluster)",
  unblockedByKubeconfig: true,
  // KSM listens on every interface unless told: locally it serves loopback only (not inside a fault's namespace).
  localArgv: (_spec, args, { listenHost, inNamespace }) =>
    inNamespace
      ? [...args]
      : [...args, ...["--host", "--telemetry-host"].filter((flag) => !args.some((a) => a.startsWith(`${flag}=`))).map((flag) => `${flag}=${listenHost}`)],
};
