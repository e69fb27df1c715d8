import {
  type Metadata,
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServiceDefinition,
  type sendUnaryData,
  type ServerUnaryCall,
} from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { createOtlpGrpcTransport, OTLP_GRPC_TRACE_EXPORT } from "./otlp-grpc-transport.ts";

type Reply = { code: number; details?: string; delayMs?: number };

interface Received {
  body: Buffer;
  metadata: Metadata;
}

/** A loopback gRPC server with the OTLP trace Export method, passthrough bytes, answering from `replies` in order. */
async function startExportServer(...replies: Reply[]) {
  const received: Received[] = [];
  const bytes = (b: Buffer) => b;
  const service: ServiceDefinition = {
    Export: {
      path: OTLP_GRPC_TRACE_EXPORT,
      requestStream: false,
      responseStream: false,
      requestSerialize: bytes,
      requestDeserialize: bytes,
      responseSerialize: bytes,
      responseDeserialize: bytes,
      originalName: "Export",
    },
  };
  const server = new Server();
  server.addService(service, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      received.push({ body: call.request, metadata: call.metadata });
      const reply = replies[Math.min(received.length - 1, replies.length - 1)]!;
      const answer = () =>
        reply.code === GrpcStatus.OK ? callback(null, Buffer.alloc(0)) : callback({ code: reply.code, details: reply.details ?? "", name: "", message: "" });
      if (reply.delayMs === undefined) answer();
      else setTimeout(answer, reply.delayMs);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, received, [Symbol.asyncDispose]: async () => void server.forceShutdown() };
}

const BODY = new Uint8Array([0x0a, 0x03, 0x01, 0x02, 0x03, 0xff]);

describe("createOtlpGrpcTransport", () => {
  it("should send the exact bytes to TraceService/Export with its metadata and map OK to ok", async () => {
    await using server = await startExportServer({ code: GrpcStatus.OK });
    await using transport = createOtlpGrpcTransport({ address: server.address, metadata: { "x-scope-orgid": "tenant-1" } });
    expect(await transport.send(BODY.subarray(1), 5_000)).toEqual({ kind: "ok", status: 0 });
    expect(new Uint8Array(server.received[0]!.body)).toEqual(BODY.subarray(1));
    expect(server.received[0]!.metadata.get("x-scope-orgid")).toEqual(["tenant-1"]);
    expect(String(server.received[0]!.metadata.get("user-agent")[0])).toMatch(/^obsconf\/\d+\.\d+\.\d+ grpc-node-js\//);
  });

  it("should map UNAVAILABLE, RESOURCE_EXHAUSTED and ABORTED to retryable and other codes to rejected with the details", async () => {
    await using server = await startExportServer(
      { code: GrpcStatus.UNAVAILABLE, details: "tempo ingester unhealthy" },
      { code: GrpcStatus.RESOURCE_EXHAUSTED, details: "rate limited" },
      { code: GrpcStatus.ABORTED, details: "conflict" },
      { code: GrpcStatus.INVALID_ARGUMENT, details: "trace id is invalid" },
      { code: GrpcStatus.UNIMPLEMENTED, details: "" },
    );
    await using transport = createOtlpGrpcTransport({ address: server.address });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await transport.send(BODY, 5_000));
    expect(results).toEqual([
      { kind: "retryable", status: 14, reason: "gRPC UNAVAILABLE: tempo ingester unhealthy" },
      { kind: "retryable", status: 8, reason: "gRPC RESOURCE_EXHAUSTED: rate limited" },
      { kind: "retryable", status: 10, reason: "gRPC ABORTED: conflict" },
      { kind: "rejected", status: 3, body: "trace id is invalid" },
      { kind: "rejected", status: 12, body: "" },
    ]);
  });

  it("should return retryable DEADLINE_EXCEEDED when the receiver answers later than timeoutMs", async () => {
    await using server = await startExportServer({ code: GrpcStatus.OK, delayMs: 1_000 });
    await using transport = createOtlpGrpcTransport({ address: server.address });
    const result = await transport.send(BODY, 100);
    expect(result).toMatchObject({ kind: "retryable", status: 4 });
    expect(result.kind === "retryable" && result.reason).toMatch(/^gRPC DEADLINE_EXCEEDED: Deadline exceeded/);
  });

  it("should return retryable UNAVAILABLE when nothing listens, and throw when used after close()", async () => {
    const server = await startExportServer({ code: GrpcStatus.OK });
    const address = server.address;
    await server[Symbol.asyncDispose]();
    const transport = createOtlpGrpcTransport({ address });
    expect(await transport.send(BODY, 2_000)).toMatchObject({ kind: "retryable", status: 14 });
    await transport.close();
    await expect(transport.send(BODY, 1_000)).rejects.toThrow(`otlp grpc transport to ${address} used after close()`);
  });
});
