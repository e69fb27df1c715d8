export * from "./run-signoff.ts";
export * from "./signoff-faults.ts";
