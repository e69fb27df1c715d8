import { DEFAULT_FAULTS } from "../chaos/default-faults.ts";

/**
 * The faults of a sign-off's drill: the small/documented list (every Prometheus fault, node-exporter and
 * Alertmanager kills), plus a Loki and a Tempo kill, so the logs and traces RPO rows of the contract are
 * measured too (the default drill measures only metrics' RPO).
 */
export const SIGNOFF_FAULTS: readonly string[] = [...DEFAULT_FAULTS.small!, "kill:loki", "kill:tempo"];
