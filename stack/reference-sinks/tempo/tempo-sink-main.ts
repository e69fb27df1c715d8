/**
 * Process entry for the Tempo reference sink: `node --import tsx stack/reference-sinks/tempo/tempo-sink-main.ts
 * --listen http=127.0.0.1:3200 --listen otlp-grpc=127.0.0.1:4317 --listen otlp-http=127.0.0.1:4318`.
 * The `obsconf sink tempo` command calls `runTempoSinkFromArgs` the same way.
 */
import { runTempoSinkFromArgs } from "./tempo-sink-cli.ts";

try {
  await runTempoSinkFromArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
