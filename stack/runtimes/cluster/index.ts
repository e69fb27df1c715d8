export { ClusterRuntime, StartedClusterStack, type ClusterStartOptions } from "./cluster-runtime.ts";
export {
  REACHABILITIES,
  REACHABILITY_TEXT,
  exposeServices,
  nodeAddress,
  parseReachability,
  resolveExposed,
  type ExposedPort,
  type Reachability,
  type WantedPorts,
} from "./reachability.ts";
export { describeKubeContext, loadKubeContext, type KubeContextOptions } from "./kube-context.ts";
export { assertNamespaceIsNew, guardRunObjects } from "./run-namespace-guard.ts";
export { serviceTarget, startPortForwards, type PortForwarder, type ForwardedPort, type ServiceTarget, type StartedPortForwards } from "./port-forward.ts";
export { K6_TESTRUN_CRD, k6OperatorState, type K6OperatorState } from "./k6-operator.ts";
export { cleanupClusterRuns, keepReason, runnerAlive, type CleanupLine, type CleanupOptions } from "./cleanup-runs.ts";
export { K6_FINAL_STAGES, waitForTestRuns, type TestRunOutcome, type WaitForTestRunsOptions } from "./k6-test-run-status.ts";
