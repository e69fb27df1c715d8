export * from "./attach-runtime.ts";
export * from "./endpoints-file.ts";
export * from "./no-control.ts";
