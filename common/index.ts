export * from "./clock.ts";
export * from "./errors.ts";
export * from "./poll-until.ts";
export * from "./duration.ts";
export * from "./log.ts";
export * from "./signal.ts";
export * from "./ledger.ts";
export * from "./text-table.ts";
