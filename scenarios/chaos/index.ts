export * from "./run-chaos.ts";
export * from "./default-faults.ts";
export * from "./availability-probe.ts";
export * from "./canary-observer.ts";
export * from "./fault-phase.ts";
export * from "./phase-alerts.ts";
export * from "./alerts-under-fault.ts";
export * from "./chaos-timeline.ts";
