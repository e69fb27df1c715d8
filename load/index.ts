export * from "./encode/index.ts";
export * from "./transport/index.ts";
export * from "./canary/index.ts";
export * from "./model/index.ts";
export * from "./generators/index.ts";
export * from "./workers/index.ts";
export * from "./k6/index.ts";
