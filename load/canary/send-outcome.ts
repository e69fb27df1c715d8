import type { Clock } from "../../common/clock.ts";
import type { WriteOutcome } from "../../common/ledger.ts";
import type { SendResult, Transport } from "../transport/transport.ts";

/** A transport must not throw for a failed send; if one does anyway, the write is recorded as failed. */
export async function sendSafely(transport: Transport, body: Uint8Array, timeoutMs: number): Promise<SendResult> {
  try {
    return await transport.send(body, timeoutMs);
  } catch (error) {
    return { kind: "retryable", reason: `transport threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** What the ledger records for a send: ok -> acked, rejected -> rejected, retryable -> failed. */
export function toOutcome(result: SendResult, clock: Clock): WriteOutcome {
  const atMs = clock.nowMs();
  switch (result.kind) {
    case "ok":
      return { kind: "acked", ackedAtMs: atMs, status: result.status };
    case "rejected":
      return { kind: "rejected", atMs, status: result.status, body: result.body };
    case "retryable":
      return { kind: "failed", atMs, error: result.reason };
  }
}
