export * from "./rng.ts";
export * from "./service-model.ts";
export * from "./ecomm-model.ts";
export * from "./generate-request.ts";
