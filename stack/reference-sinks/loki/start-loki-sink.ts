import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HarnessError } from "../../../common/errors.ts";
import { LogStore, type LogStoreCounters } from "./log-store.ts";
import { createLokiRequestHandler } from "./loki-http-handler.ts";
import { attachLokiTail } from "./loki-tail.ts";

export interface LokiSinkOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port; 0 (the default) lets the OS choose. */
  port?: number;
  /** Negative control: silently drop every Nth pushed entry while still answering 204. */
  dropEvery?: number;
  /** Now in ns (the age checks on pushed entries); default the wall clock. Tests replay recordings as at capture. */
  nowNs?: () => bigint;
}

export interface StoppedLokiSink {
  /** The counters at stop time (what `/metrics` last reported). */
  readonly counters: Readonly<LogStoreCounters>;
}

export interface StartedLokiSink extends AsyncDisposable {
  /** `http://host:port`, the base URL of the Loki API (push, query, tail). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Live counters (lines and bytes received, lines dropped). */
  readonly counters: Readonly<LogStoreCounters>;
  stop(): Promise<StoppedLokiSink>;
}

/**
 * Starts the Loki-API reference sink: an in-memory log store behind a `node:http` server that speaks
 * the Loki 3.5 HTTP API (push JSON/gzip/protobuf+snappy, query, query_range, labels, series, tail,
 * ready, buildinfo, metrics) for the LogQL subset of `logql-parser.ts`.
 */
export async function startLokiSink({ host = "127.0.0.1", port = 0, dropEvery, nowNs }: LokiSinkOptions = {}): Promise<StartedLokiSink> {
  const store = new LogStore(dropEvery === undefined ? {} : { dropEvery });
  const server = createServer(createLokiRequestHandler(store, nowNs === undefined ? {} : { nowNs }));
  const tail = attachLokiTail(server, store);
  await new Promise<void>((resolve, reject) => {
    const onError = (cause: Error) => reject(new HarnessError(`loki reference sink could not listen on ${host}:${port}: ${cause.message}`, { cause }));
    server.once("error", onError);
    server.listen({ host, port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let stopped: Promise<StoppedLokiSink> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await tail.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return { counters: { ...store.counters } };
    })());
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    counters: store.counters,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
