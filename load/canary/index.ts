export * from "./interval-loop.ts";
export * from "./metrics-canary-writer.ts";
export * from "./write-series.ts";
export * from "./pull-target.ts";
export * from "./log-canary-writer.ts";
export * from "./trace-canary-writer.ts";
export * from "./canary-loop.ts";
export * from "./send-outcome.ts";
