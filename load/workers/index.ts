export * from "./worker-protocol.ts";
export * from "./run-in-workers.ts";
