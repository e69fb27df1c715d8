export * from "./check-builder.ts";
export * from "./config-checks.ts";
export * from "./ingestion-check.ts";
export * from "./query-latency-check.ts";
export * from "./alert-delivery-check.ts";
export * from "./trace-ingestion-check.ts";
export * from "./loki-retention-check.ts";
