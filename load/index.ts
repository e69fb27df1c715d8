export * from "./encode/index.ts";
export * from "./transport/index.ts";
export * from "./canary/index.ts";
export * from "./model/index.ts";
