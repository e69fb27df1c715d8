import { LOKI_PUSH_HEADERS } from "../../load/encode/loki-push.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../../load/encode/otlp-traces.ts";
import { createHttpTransport, createRemoteWriteTransport, type HttpTransport } from "../../load/transport/http-transport.ts";
import { withRetry } from "../../load/transport/with-retry.ts";
import type { Transport } from "../../load/transport/transport.ts";
import type { PushTarget } from "../../stack/clients/stack-clients.ts";

/** The push protocols canaries write with, by the stack API they reach. */
export type CanaryProtocol = "remote-write" | "loki-push" | "otlp";

/** A canary's transport to one push target; `retried` is what the writer uses, `close` releases the pool. */
export interface CanaryTransport extends AsyncDisposable {
  readonly http: HttpTransport;
  readonly retried: Transport;
}

/**
 * A canary or trigger transport to a push target of the stack: remote write (protobuf + snappy), Loki
 * push (protobuf + snappy) or OTLP/HTTP protobuf; a failed send is retried once within `deadlineMs`.
 */
export function canaryTransport(target: PushTarget, protocol: CanaryProtocol, { deadlineMs = 5_000 }: { deadlineMs?: number } = {}): CanaryTransport {
  const http =
    protocol === "remote-write"
      ? createRemoteWriteTransport({ url: target.url, headers: { ...target.headers } })
      : createHttpTransport({
          url: target.url,
          headers: { ...target.headers, ...(protocol === "otlp" ? OTLP_HTTP_PROTOBUF_HEADERS : LOKI_PUSH_HEADERS.protobuf) },
        });
  return {
    http,
    retried: withRetry(http, { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 200, deadlineMs }),
    [Symbol.asyncDispose]: () => http.close(),
  };
}
