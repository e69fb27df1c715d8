/**
 * Tempo reference sink: an in-memory trace store that speaks Grafana Tempo's HTTP API (as 2.0.1 does,
 * per the recorded peers in `stack/clients/fixtures/tempo-2.0.1/`) and takes OTLP over HTTP and gRPC.
 * A stand-in when no `tempo` binary is available; every result that touched it is `simulated`.
 *
 * Differences from Tempo, on purpose:
 * - Searchability is immediate. Real Tempo answers TraceQL only after the ingester cuts the trace
 *   (`trace_idle_period`, 2 s in the manifest; about 5 s measured on 2.0.1) and tag search after
 *   about 60 ms; the sink makes every accepted span readable and searchable at once, so ingestion
 *   latency measured against it is the harness's own, not Tempo's.
 * - TraceQL is a subset (spanset filters over span/resource/unscoped attributes and the intrinsics
 *   name, status, duration, kind, statusMessage, rootName, rootServiceName, traceDuration; `&&`/`||`
 *   between conditions and between spansets). Pipelines, aggregates, structural operators, arithmetic
 *   and newer scopes answer 400 `unsupported TraceQL in the obsconf reference sink: <part>`.
 * - Search `metrics` are approximate; `/status/version` names `obsconf-reference-sink`.
 * - Memory is bounded by `maxSpans` (oldest traces evicted, counted in `obsconf_sink_traces_evicted_total`).
 * - `dropSpanEvery: N` silently drops every Nth received span while answering success (negative control).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HarnessError } from "../../../common/errors.ts";
import { startOtlpGrpcReceiver, type StartedOtlpGrpcReceiver } from "./otlp-grpc-receiver.ts";
import { createOtlpHttpHandler } from "./otlp-http-handler.ts";
import { createTempoApiHandler } from "./tempo-api-handler.ts";
import { TraceStore, type TraceStoreCounters } from "./trace-store.ts";

export interface TempoSinkOptions {
  /** Loopback only: `127.0.0.1` (default), `::1` or `localhost`. */
  host?: string;
  /** Tempo API (manifest port `http`, 3200). 0 asks the OS for a free port. */
  httpPort: number;
  /** OTLP gRPC (manifest port `otlp-grpc`, 4317). */
  grpcPort: number;
  /** OTLP HTTP (manifest port `otlp-http`, 4318). */
  otlpHttpPort: number;
  dropSpanEvery?: number;
  maxSpans?: number;
}

export interface StoppedTempoSink {
  readonly counters: Readonly<TraceStoreCounters>;
}

export interface StartedTempoSink extends AsyncDisposable {
  readonly host: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly otlpHttpPort: number;
  /** `http://127.0.0.1:3200`: Tempo API root. */
  readonly httpUrl: string;
  /** `http://127.0.0.1:4318`: OTLP/HTTP root (`/v1/traces` below it). */
  readonly otlpHttpUrl: string;
  /** `127.0.0.1:4317`: OTLP gRPC target. */
  readonly grpcAddress: string;
  readonly store: TraceStore;
  stop(): Promise<StoppedTempoSink>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export async function startTempoSink({
  host = "127.0.0.1",
  httpPort,
  grpcPort,
  otlpHttpPort,
  dropSpanEvery,
  maxSpans,
}: TempoSinkOptions): Promise<StartedTempoSink> {
  if (!LOOPBACK.has(host)) throw new HarnessError(`tempo reference sink: expected a loopback host (127.0.0.1, ::1, localhost), saw ${JSON.stringify(host)}`);
  const store = new TraceStore({ dropSpanEvery, maxSpans });
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    await Promise.all(
      started
        .splice(0)
        .reverse()
        .map((s) => s.stop()),
    );
  };
  try {
    const api = await listen(createServer(createTempoApiHandler(store)), host, httpPort, "http");
    started.push(api);
    const otlpHttp = await listen(createServer(createOtlpHttpHandler(store)), host, otlpHttpPort, "otlp-http");
    started.push(otlpHttp);
    const grpc: StartedOtlpGrpcReceiver = await startOtlpGrpcReceiver(store, { host, port: grpcPort }).catch((cause: unknown) => {
      throw new HarnessError(`tempo reference sink: could not listen for otlp-grpc on ${host}:${grpcPort} (${(cause as Error).message})`, { cause });
    });
    started.push(grpc);
    const urlHost = host.includes(":") ? `[${host}]` : host;
    let stopped: Promise<StoppedTempoSink> | undefined;
    const stop = () => (stopped ??= stopAll().then(() => ({ counters: { ...store.counters } })));
    return {
      host,
      httpPort: api.port,
      grpcPort: grpc.port,
      otlpHttpPort: otlpHttp.port,
      httpUrl: `http://${urlHost}:${api.port}`,
      otlpHttpUrl: `http://${urlHost}:${otlpHttp.port}`,
      grpcAddress: `${urlHost}:${grpc.port}`,
      store,
      stop,
      [Symbol.asyncDispose]: async () => {
        await stop();
      },
    };
  } catch (cause) {
    await stopAll();
    throw cause;
  }
}

async function listen(server: Server, host: string, port: number, name: string): Promise<{ port: number; stop(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    const onError = (cause: Error) =>
      reject(new HarnessError(`tempo reference sink: could not listen for ${name} on ${host}:${port} (${cause.message})`, { cause }));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
