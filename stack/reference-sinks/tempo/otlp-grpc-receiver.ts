import * as grpc from "@grpc/grpc-js";
import { decodeExportTraceRequest, OtlpDecodeError } from "./otlp-proto.ts";
import type { TraceStore } from "./trace-store.ts";

export const TRACE_SERVICE_EXPORT_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

const passthrough = (bytes: Buffer): Buffer => bytes;

/**
 * `opentelemetry.proto.collector.trace.v1.TraceService` with byte passthrough (de)serializers: the
 * request bytes are decoded by the same protobuf code as OTLP/HTTP, the answer is an empty
 * ExportTraceServiceResponse (zero bytes). Undecodable requests fail with INVALID_ARGUMENT.
 */
export const traceServiceDefinition: grpc.ServiceDefinition = {
  Export: {
    path: TRACE_SERVICE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passthrough,
    requestDeserialize: passthrough,
    responseSerialize: passthrough,
    responseDeserialize: passthrough,
  },
};

export interface StartedOtlpGrpcReceiver {
  readonly port: number;
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2_000;
/** The collector's default max receive size is 4 MiB; the sink takes larger batches. */
const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

export async function startOtlpGrpcReceiver(store: TraceStore, { host, port }: { host: string; port: number }): Promise<StartedOtlpGrpcReceiver> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": MAX_RECEIVE_BYTES });
  server.addService(traceServiceDefinition, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      try {
        store.ingest(decodeExportTraceRequest(call.request), call.request.length);
        callback(null, Buffer.alloc(0));
      } catch (cause) {
        if (!(cause instanceof OtlpDecodeError)) throw cause;
        callback({ code: grpc.status.INVALID_ARGUMENT, details: cause.message });
      }
    },
  });
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, actual) => (error ? reject(error) : resolve(actual)));
  }).catch((cause: unknown) => {
    server.forceShutdown();
    throw cause;
  });
  return {
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
