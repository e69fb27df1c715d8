export * from "./run-load.ts";
export * from "./load-plan.ts";
export * from "./load-duration.ts";
export * from "./load-receivers.ts";
export * from "./load-generators.ts";
export * from "./throughput-run.ts";
export * from "./trace-loss.ts";
export * from "./load-progress.ts";
