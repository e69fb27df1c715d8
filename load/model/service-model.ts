import type { LognormalMs } from "./rng.ts";

/**
 * A synthetic microservice system as data: operations, who calls whom, how long each takes and how
 * often it fails. `generateRequest` walks it to produce one request's trace, logs and metrics.
 */
export interface OperationModel {
  service: string;
  /** Span name, e.g. `POST /cart/checkout` or `hipstershop.PaymentService/Charge`. */
  name: string;
  /** The operation's own time (excluding its calls), half before its first call and half after its last. */
  selfLatency: LognormalMs;
  /** Probability in [0, 1] that the operation itself fails (an error also fails every caller up the chain). */
  errorRate: number;
  /** HTTP status of a failure that starts here (default 500). */
  errorStatus?: number;
  /** Operation ids called in order, one after the other; every call always happens (fixed span count). */
  calls: readonly string[];
}

export interface EntryModel {
  /** The operation id a request enters at (a frontend route). */
  operation: string;
  /** Relative share of generated requests. */
  weight: number;
}

export interface ServiceModel {
  /** Kubernetes namespace of every service (the `namespace` log label, `service.namespace` resource attribute). */
  namespace: string;
  services: readonly string[];
  /** By operation id, `<service>:<name>`. */
  operations: Readonly<Record<string, OperationModel>>;
  entries: readonly EntryModel[];
}

export function operationId(service: string, name: string): string {
  return `${service}:${name}`;
}
