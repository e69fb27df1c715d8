export * from "./loss-accounting.ts";
export * from "./recovery.ts";
export * from "./availability.ts";
export * from "./chaos-checks.ts";
export * from "./hop-accounting.ts";
