/**
 * The faults `obsconf run chaos` injects when no `--fault` is given, per profile. The ci list runs
 * in bounded time on two cores (each Prometheus fault is held for the profile's faultDuration,
 * the node-exporter kill until its TargetDown alert arrives or the alert bound passes); small and
 * documented add the faults that need root (network namespaces, tmpfs) or lose data by design.
 * The negative control `ack-drop` is never a default: it must fail.
 */
export const DEFAULT_FAULTS: Readonly<Record<string, readonly string[]>> = {
  ci: ["kill:prometheus", "restart-keep-data:prometheus", "pause:prometheus", "delay:prometheus:200ms", "http-error:prometheus:503", "kill:node-exporter"],
  small: [
    "kill:prometheus",
    "restart-keep-data:prometheus",
    "restart-lose-data:prometheus",
    "pause:prometheus",
    "delay:prometheus:200ms",
    "loss:prometheus:30%",
    "partition:prometheus",
    "http-error:prometheus:503",
    "http-error:prometheus:429",
    "disk-full:prometheus",
    "kill:node-exporter",
    "kill:alertmanager",
  ],
};

export function defaultFaults(profile: string): readonly string[] {
  return DEFAULT_FAULTS[profile] ?? DEFAULT_FAULTS.small!;
}
