export * from "./metrics-push-reader.ts";
