export * from "./transport.ts";
export * from "./http-transport.ts";
export * from "./with-retry.ts";
