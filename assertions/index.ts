export * from "./run-result.ts";
export * from "./contract.ts";
export * from "./alert-delivery.ts";
export * from "./alert-sink/index.ts";
export * from "./canary/index.ts";
export * from "./readers/index.ts";
export * from "./query-load.ts";
export * from "./latency-summary.ts";
