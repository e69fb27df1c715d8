import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { HarnessError } from "../../common/errors.ts";
import { USER_AGENT } from "./http-transport.ts";
import type { SendResult, Transport } from "./transport.ts";

/** The OTLP/gRPC trace export method; its request is the same `ExportTraceServiceRequest` bytes OTLP/HTTP posts. */
export const OTLP_GRPC_TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/** gRPC codes worth resending the same body for (the rest are `rejected`). */
export const GRPC_RETRYABLE_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
]);

export interface OtlpGrpcTransportOptions {
  /** `host:port`, e.g. `127.0.0.1:4317` (plaintext, no TLS). */
  address: string;
  /** Full method path; default the trace export. */
  method?: string;
  /** Sent with every call (e.g. `x-scope-orgid`); keys must be lowercase. */
  metadata?: Record<string, string>;
}

export interface OtlpGrpcTransport extends Transport, AsyncDisposable {
  readonly address: string;
  close(): Promise<void>;
}

const passthrough = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const keep = (bytes: Buffer): Buffer => bytes;

/**
 * Sends already serialized protobuf bodies as unary gRPC calls over one plaintext HTTP/2 channel.
 * Outcomes, with the gRPC status code in `status`: OK -> ok; UNAVAILABLE, RESOURCE_EXHAUSTED,
 * DEADLINE_EXCEEDED (including `timeoutMs` running out) and ABORTED -> retryable; any other code ->
 * rejected, with the status details as `body`.
 */
export function createOtlpGrpcTransport({ address, method = OTLP_GRPC_TRACE_EXPORT, metadata = {} }: OtlpGrpcTransportOptions): OtlpGrpcTransport {
  const client = new Client(address, credentials.createInsecure(), { "grpc.primary_user_agent": USER_AGENT });
  let closed = false;

  async function send(body: Uint8Array, timeoutMs: number): Promise<SendResult> {
    if (closed) throw new HarnessError(`otlp grpc transport to ${address} used after close()`);
    const callMetadata = new Metadata();
    for (const [key, value] of Object.entries(metadata)) callMetadata.set(key, value);
    const deadline = Date.now() + Math.max(1, Math.ceil(timeoutMs));
    return new Promise<SendResult>((resolve) => {
      client.makeUnaryRequest(method, passthrough, keep, body, callMetadata, { deadline }, (error: ServiceError | null) => {
        resolve(error === null ? { kind: "ok", status: GrpcStatus.OK } : classify(error));
      });
    });
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    client.close();
  }

  return { address, send, close, [Symbol.asyncDispose]: close };
}

function classify(error: ServiceError): SendResult {
  const code = error.code ?? GrpcStatus.UNKNOWN;
  const details = error.details ?? error.message;
  if (GRPC_RETRYABLE_CODES.has(code)) return { kind: "retryable", status: code, reason: `gRPC ${GrpcStatus[code]}: ${details}` };
  return { kind: "rejected", status: code, body: details };
}
