export * from "./transport.ts";
export * from "./http-transport.ts";
export * from "./with-retry.ts";
export * from "./otlp-grpc-transport.ts";
export * from "./file-transport.ts";
