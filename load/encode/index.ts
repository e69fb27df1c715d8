export * from "../../stack/clients/remote-write-encoding.ts";
export * from "../../stack/clients/snappy-block.ts";
export * from "./encode-rate.ts";
export * from "./loki-push.ts";
export * from "./otlp-traces.ts";
export * from "./precompressed-write-request.ts";
export * from "./otlp-span-encoder.ts";
export * from "./loki-push-template.ts";
