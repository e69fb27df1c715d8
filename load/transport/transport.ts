/**
 * A transport only sends bytes (opentelemetry-js otlp-exporter-base): encoders in load/encode make
 * the body, `withRetry` wraps a transport. Outcomes are data; a transport never throws for a failed
 * send, only for a harness fault (e.g. used after close).
 */
export interface Transport {
  send(body: Uint8Array, timeoutMs: number): Promise<SendResult>;
}

export type SendResult =
  /** 2xx: the receiver accepted the body. */
  | { kind: "ok"; status: number }
  /** 429, 5xx, network error or timeout: sending the same body again may succeed. */
  | { kind: "retryable"; status?: number; retryAfterMs?: number; reason: string }
  /** Any other status: the receiver refused this body; resending it will not help. */
  | { kind: "rejected"; status: number; body: string };

export type SendResultKind = SendResult["kind"];
