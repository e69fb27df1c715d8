export * from "./prometheus-client.ts";
export * from "./prometheus-parse.ts";
export * from "./prom-api-error.ts";
export * from "./alertmanager-client.ts";
export * from "./tempo-client.ts";
export * from "./loki-client.ts";
export * from "./receiver-counters.ts";
