export * from "./plan.ts";
export * from "./started-stack.ts";
export * from "./manifest/load-manifests.ts";
export * from "./manifest/component-spec.ts";
export { manifestsDigest, type ManifestsDigest } from "./manifest/manifests-digest.ts";
export { COMPONENTS, COMPONENT_NAMES, componentDef } from "./components/index.ts";
export type { ComponentDef, SubstituteDef, LocalService } from "./components/index.ts";
export { LocalRuntime, StartedLocalStack, newRunId, type LocalStartOptions } from "./runtimes/local/local-runtime.ts";
export { planLocal } from "./runtimes/local/plan-local.ts";
export { waitForShutdownSignal, onShutdown, shuttingDown, type ShutdownPhase } from "./runtimes/local/child-registry.ts";
export { holdHostState, heldHostState, reaperPid, reaperEnabled, type HeldHostState } from "./runtimes/local/reaper.ts";
export {
  HOST_STATE_FILE,
  RunLedger,
  readLedger,
  describeThing,
  type HostStateThing,
  type LedgerContents,
  type LedgerLine,
} from "./runtimes/local/host-state-ledger.ts";
export {
  matchRecorded,
  readProcIdentity,
  isRunning,
  shortArgv,
  undoThing,
  undoOrder,
  type ProcIdentity,
  type UndoOutcome,
  type UndoAction,
} from "./runtimes/local/host-state-undo.mjs";
export { withParentDeathSignal, parentDeathSignalAvailable } from "./runtimes/local/parent-death-signal.ts";
export { checkBinFlag, knownBinNames, TOOL_BIN_NAMES } from "./runtimes/local/bin-names.ts";
export { cleanupLocalRuns, type LocalCleanupLine, type LocalCleanupOptions } from "./runtimes/local/cleanup-local.ts";
export { pruneRuns, DEFAULT_KEEP_RUNS, RUN_ID_PATTERN, type PruneLine, type PruneOptions } from "./runtimes/local/prune-runs.ts";
export { leftoverNetworkObjects, NETNS_PREFIX, VETH_PREFIX } from "./runtimes/local/network-namespace.ts";
export { leftoverTmpfsMounts } from "./runtimes/local/tmpfs-mount.ts";
export { FaultProxy } from "./runtimes/local/fault-proxy.ts";
export {
  parseRuntimeName,
  resolveRuntime,
  selectRuntime,
  withClusterFlags,
  RUNTIME_NAMES,
  type ResolveRuntimeOptions,
  type RuntimeName,
  type RuntimeChoice,
} from "./runtimes/select-runtime.ts";
export { startStack, type StackStartOptions } from "./runtimes/start-stack.ts";
export { validateStack, type ValidationCheck, type ValidationStatus } from "./validate/validate-stack.ts";
export * from "./clients/index.ts";
export * from "./runtimes/kube/index.ts";
export * from "./runtimes/kube-api/index.ts";
export * from "./runtimes/k3s/index.ts";
export * from "./runtimes/cluster/index.ts";
export { collectorKafkaRoutes, collectorKafkaRoutesIn, type CollectorKafkaRoute, type KafkaSignal } from "./components/collector-kafka-topics.ts";
export * from "./provision/index.ts";
export * from "./runtimes/attach/index.ts";
