import { InputError } from "../../../common/errors.ts";
import { startTempoSink, type StoppedTempoSink, type TempoSinkOptions } from "./tempo-sink.ts";

/** Listen names are the Tempo manifest's container port names. */
const LISTEN_NAMES = ["http", "otlp-grpc", "otlp-http"] as const;
type ListenName = (typeof LISTEN_NAMES)[number];

const USAGE =
  "obsconf sink tempo --listen http=127.0.0.1:3200 --listen otlp-grpc=127.0.0.1:4317 --listen otlp-http=127.0.0.1:4318 [--drop-span-every N] [--max-spans N]";

export interface TempoSinkCliIo {
  /** Where the ready and stopped lines go. Default `process.stdout`. */
  stdout?: { write(text: string): unknown };
  /** Stops the sink like SIGTERM does (tests, embedding). */
  signal?: AbortSignal;
}

/** Parses the arguments after `obsconf sink tempo`; wrong input throws `InputError`. */
export function parseTempoSinkArgs(argv: readonly string[]): TempoSinkOptions {
  const listens = new Map<ListenName, { host: string; port: number }>();
  let dropSpanEvery: number | undefined;
  let maxSpans: number | undefined;
  const fail = (field: string, expected: string, seen: string): never => {
    throw new InputError({ file: "command line", field }, `${expected} (usage: ${USAGE})`, seen);
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = splitInline(argv[i]!);
    if (flag !== "--listen" && flag !== "--drop-span-every" && flag !== "--max-spans") {
      fail(flag, "--listen, --drop-span-every or --max-spans", JSON.stringify(argv[i]));
    }
    const value = inline ?? argv[++i];
    if (value === undefined) fail(flag, "a value", "nothing");
    const v = value!;
    if (flag === "--listen") {
      const m = /^([a-z-]+)=(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(v);
      if (!m) fail("--listen", "name=host:port", JSON.stringify(v));
      const name = m![1] as ListenName;
      if (!LISTEN_NAMES.includes(name)) fail("--listen", `one of ${LISTEN_NAMES.join(", ")}`, JSON.stringify(m![1]));
      listens.set(name, { host: m![2]!.replace(/^\[|\]$/g, ""), port: Number(m![3]) });
    } else {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < 1) fail(flag, "a positive integer", JSON.stringify(v));
      if (flag === "--drop-span-every") dropSpanEvery = n;
      else maxSpans = n;
    }
  }
  const missing = LISTEN_NAMES.filter((n) => !listens.has(n));
  if (missing.length > 0) fail("--listen", `--listen for ${LISTEN_NAMES.join(", ")}`, `none for ${missing.join(", ")}`);
  const hosts = new Set([...listens.values()].map((l) => l.host));
  if (hosts.size !== 1) fail("--listen", "one host for every listen address", [...hosts].join(", "));
  return {
    host: [...hosts][0]!,
    httpPort: listens.get("http")!.port,
    grpcPort: listens.get("otlp-grpc")!.port,
    otlpHttpPort: listens.get("otlp-http")!.port,
    dropSpanEvery,
    maxSpans,
  };
}

function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

/**
 * `obsconf sink tempo ...`: starts the sink, prints `tempo reference sink listening on http=… otlp-grpc=…
 * otlp-http=…` once every port is bound, and stops cleanly on SIGTERM, SIGINT or `io.signal`.
 */
export async function runTempoSinkFromArgs(argv: readonly string[], io: TempoSinkCliIo = {}): Promise<StoppedTempoSink> {
  const options = parseTempoSinkArgs(argv);
  const stdout = io.stdout ?? process.stdout;
  const sink = await startTempoSink(options);
  let onSignal: (() => void) | undefined;
  try {
    await new Promise<void>((resolve) => {
      onSignal = resolve;
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      if (io.signal?.aborted) resolve();
      io.signal?.addEventListener("abort", onSignal, { once: true });
      stdout.write(
        `tempo reference sink listening on http=${sink.httpUrl} otlp-grpc=${sink.grpcAddress} otlp-http=${sink.otlpHttpUrl}` +
          `${options.dropSpanEvery ? ` (dropping every ${options.dropSpanEvery}th span)` : ""}\n`,
      );
    });
  } finally {
    if (onSignal) {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      io.signal?.removeEventListener("abort", onSignal);
    }
  }
  const stopped = await sink.stop();
  const c = stopped.counters;
  stdout.write(`tempo reference sink stopped (${c.spansReceived} spans received, ${c.spansDropped} dropped)\n`);
  return stopped;
}
