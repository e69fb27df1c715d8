export * from "./remote-write.ts";
export * from "./snappy-block.ts";
export * from "./encode-rate.ts";
export * from "./loki-push.ts";
export * from "./otlp-traces.ts";
export * from "./precompressed-write-request.ts";
export * from "./otlp-span-encoder.ts";
export * from "./loki-push-template.ts";
