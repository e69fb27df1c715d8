export * from "./notification.ts";
export * from "./notification-log.ts";
export * from "./webhook-sink.ts";
export * from "./smtp-sink.ts";
export * from "./alertmanager-overrides.ts";
