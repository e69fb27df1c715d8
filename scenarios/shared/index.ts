export * from "./alert-sink-override.ts";
export * from "./assemble-run.ts";
export * from "./check-filter.ts";
export * from "./component-status.ts";
export * from "./inventory.ts";
export * from "./stack-clients.ts";
export * from "./runtime-start-options.ts";
export * from "./query-suites.ts";
