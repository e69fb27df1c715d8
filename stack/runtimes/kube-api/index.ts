export * from "./api-error.ts";
export * from "./apply.ts";
export * from "./collect-diagnostics.ts";
export * from "./kube-object.ts";
export * from "./pod-diagnosis.ts";
export * from "./rollout.ts";
export * from "./teardown.ts";
export * from "./workload-status.ts";
