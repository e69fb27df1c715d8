export * from "./compare.ts";
export * from "./trace-compare.ts";
