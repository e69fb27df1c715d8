import { InputError } from "../../../common/errors.ts";
import { startLokiSink, type LokiSinkOptions, type StoppedLokiSink } from "./start-loki-sink.ts";

export interface RunLokiSinkOptions {
  /** Stops the sink when aborted; by default SIGTERM and SIGINT do. */
  signal?: AbortSignal;
  /** Where the ready line goes; default stdout. */
  write?: (line: string) => void;
}

const USAGE = "obsconf sink loki --listen http=HOST:PORT [--drop-every N]";

/** Parses `--listen http=host:port [--drop-every N]` (also `--flag=value`). */
export function parseLokiSinkArgs(argv: readonly string[]): LokiSinkOptions & { host: string; port: number } {
  const at = { file: "command line", field: "obsconf sink loki" };
  let listen: string | undefined;
  let dropEvery: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new InputError(at, `a value after ${flag} (${USAGE})`, "nothing");
      return v;
    };
    if (flag === "--listen") listen = value();
    else if (flag === "--drop-every") {
      const v = value();
      dropEvery = Number(v);
      if (!/^[1-9][0-9]*$/.test(v)) throw new InputError(at, "--drop-every to be a positive integer", JSON.stringify(v));
    } else throw new InputError(at, USAGE, JSON.stringify(argv[i]));
  }
  if (listen === undefined) throw new InputError(at, `--listen http=HOST:PORT (${USAGE})`, "no --listen");
  const m = /^http=(\[[^\]]+\]|[^:]+):([0-9]{1,5})$/.exec(listen);
  if (m === null || Number(m[2]) > 65535) throw new InputError(at, "--listen http=HOST:PORT, e.g. http=127.0.0.1:3100", JSON.stringify(listen));
  const host = m[1]!.replace(/^\[(.*)\]$/, "$1");
  return dropEvery === undefined ? { host, port: Number(m[2]) } : { host, port: Number(m[2]), dropEvery };
}

/**
 * `obsconf sink loki`: starts the sink, prints `loki reference sink listening on http://host:port` once it
 * accepts connections, and runs until SIGTERM/SIGINT (or `signal`), then stops cleanly.
 */
export async function runLokiSinkFromArgs(
  argv: readonly string[],
  { signal, write = (line) => process.stdout.write(`${line}\n`) }: RunLokiSinkOptions = {},
): Promise<StoppedLokiSink> {
  const sink = await startLokiSink(parseLokiSinkArgs(argv));
  const stopSignal = signal ?? processSignal();
  write(`loki reference sink listening on ${sink.url}`);
  if (!stopSignal.aborted) await new Promise<void>((resolve) => stopSignal.addEventListener("abort", () => resolve(), { once: true }));
  return sink.stop();
}

function processSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    controller.abort(new Error(`received ${name}`));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return controller.signal;
}
