export * from "./remote-write.ts";
export * from "./snappy-block.ts";
export * from "./encode-rate.ts";
