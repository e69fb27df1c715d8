export * from "./assemble-run-result.ts";
