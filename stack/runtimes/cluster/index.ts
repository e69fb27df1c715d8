export { CLUSTER_REACHABILITY, ClusterRuntime, StartedClusterStack, type ClusterStartOptions, type Reachability } from "./cluster-runtime.ts";
export { describeKubeContext, loadKubeContext, type KubeContextOptions } from "./kube-context.ts";
export { assertNamespaceIsNew, guardRunObjects } from "./run-namespace-guard.ts";
export { serviceTarget, startPortForwards, type ForwardedPort, type ServiceTarget, type StartedPortForwards } from "./port-forward.ts";
export { K6_TESTRUN_CRD, k6OperatorState, type K6OperatorState } from "./k6-operator.ts";
export { cleanupClusterRuns, keepReason, runnerAlive, type CleanupLine, type CleanupOptions } from "./cleanup-runs.ts";
