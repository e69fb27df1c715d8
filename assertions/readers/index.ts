export * from "./metrics-push-reader.ts";
export * from "./log-canary-reader.ts";
export * from "./log-tail-reader.ts";
export * from "./trace-canary-reader.ts";
