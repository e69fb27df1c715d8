import { HarnessError } from "../../common/errors.ts";
import { encodeLokiPush, LOKI_PUSH_HEADERS, type LokiStream } from "../encode/loki-push.ts";
import { LokiPushTemplate } from "../encode/loki-push-template.ts";
import { ECOMM_MODEL } from "../model/ecomm-model.ts";
import { generateRequest } from "../model/generate-request.ts";
import { mulberry32 } from "../model/rng.ts";
import { createPodLogFileTransport } from "../transport/file-transport.ts";
import type { GeneratorReport } from "./generator-report.ts";
import type { LogsLoadOptions } from "./load-options.ts";
import { runLoad, type LoadShape } from "./run-load.ts";

/** Model requests whose log lines are generated once and re-stamped per push (template reuse). */
const POOL_REQUESTS = 2048;
const utf8 = new TextEncoder();

/**
 * Loki push (protobuf + snappy, or JSON) at a constant rate of log line bytes. Lines come from the
 * microservice model (logfmt with trace ids), generated once into a pool and re-stamped with the push's
 * wall-clock time: timestamps are strictly increasing per generator, so every stream is in order.
 * Streams are the model's {service, namespace, level} plus `generator` (the worker index).
 * With `podLogFiles`, lines are appended to a CRI pod log file for the node's agents instead.
 */
export async function runLogsLoad(options: LogsLoadOptions, signal?: AbortSignal): Promise<GeneratorReport> {
  return runLoad(logsShape(options), options, signal);
}

/** The logs generator's request source (what `runLogsLoad` sends; `measureGeneratorRate` times it). */
export function logsShape(options: Omit<LogsLoadOptions, "durationMs">): LoadShape {
  const { bytesPerSec, encoding = "protobuf", bytesPerRequest = 256 * 1024, model = ECOMM_MODEL } = options;
  if (!(bytesPerRequest >= 1)) throw new HarnessError(`logs load: expected bytesPerRequest >= 1, saw ${bytesPerRequest}`);
  const shard = options.shard?.index ?? 0;
  const rng = mulberry32((options.seed ?? 1) + shard);
  const pool = Array.from({ length: POOL_REQUESTS }, (_, i) => generateRequest(model, rng, { startMs: i })).flatMap((r) => r.logs);
  const streamKeys = new Map<string, number>();
  const streamLabels: Record<string, string>[] = [];
  const lines = pool.map((log) => {
    const key = `${log.labels.service}|${log.labels.level}`;
    let stream = streamKeys.get(key);
    if (stream === undefined) {
      stream = streamLabels.length;
      streamKeys.set(key, stream);
      streamLabels.push({ ...log.labels, generator: String(shard) });
    }
    return { stream, line: log.line, bytes: utf8.encode(log.line).length };
  });
  let cursor = 0;
  let requests = 0;
  let sentUnits = 0;
  /** Bytes for this request so that the running total tracks requests x bytesPerRequest (whole lines). */
  const budget = () => (requests + 1) * bytesPerRequest - sentUnits;
  let stampMs = 0;
  let stampSub = 0;
  const nextStamp = (wallMs: number): string => {
    const ms = Math.floor(wallMs);
    if (ms > stampMs) (stampMs = ms), (stampSub = 0);
    else if (++stampSub === 1_000_000) (stampMs += 1), (stampSub = 0);
    return `${stampMs}${String(stampSub).padStart(6, "0")}`;
  };
  /** Protobuf pushes go through the template encoder (lines encoded once, only stamps written per push). */
  const template = encoding === "protobuf" ? new LokiPushTemplate(streamLabels, lines) : undefined;
  let picks: Int32Array<ArrayBuffer> = new Int32Array(4096);
  /** Reserves `count` consecutive ns stamps at or after `wallMs`, all within one ms; returns the first's ns offset. */
  const reserveStamps = (wallMs: number, count: number): number => {
    const ms = Math.floor(wallMs);
    if (ms > stampMs) (stampMs = ms), (stampSub = 0);
    else stampSub += 1;
    if (stampSub + count > 1_000_000) (stampMs += 1), (stampSub = 0);
    const first = stampSub;
    stampSub += count - 1;
    return first;
  };
  const files = options.podLogFiles;
  const transport =
    files === undefined
      ? undefined
      : createPodLogFileTransport({
          rootDir: files.rootDir,
          namespace: model.namespace,
          pod: `obsconf-load-${shard}`,
          uid: `obsconf-load-${shard}`,
          container: "app",
        });
  return {
    signal: "logs",
    unit: "bytes",
    offeredPerSec: bytesPerSec,
    unitsPerRequest: bytesPerRequest,
    headers: { ...LOKI_PUSH_HEADERS[encoding] },
    ...(transport === undefined ? {} : { transport }),
    next(_slot, wallMs) {
      let units = 0;
      const target = budget();
      const done = () => ((requests += 1), (sentUnits += units));
      if (transport !== undefined) {
        const text: string[] = [];
        while (units < target) {
          const entry = lines[cursor]!;
          cursor = (cursor + 1) % lines.length;
          text.push(entry.line);
          units += entry.bytes;
        }
        done();
        return { body: utf8.encode(text.join("\n")), units };
      }
      if (template !== undefined) {
        let count = 0;
        while (units < target) {
          if (count === picks.length) picks = growInt32(picks);
          picks[count++] = cursor;
          units += template.lineBytes[cursor]!;
          cursor = (cursor + 1) % lines.length;
        }
        const firstNs = reserveStamps(wallMs, count);
        done();
        return { body: template.encodeSnappy(picks.subarray(0, count), stampMs, firstNs), units };
      }
      const streams: LokiStream[] = streamLabels.map((labels) => ({ labels, entries: [] }));
      while (units < target) {
        const entry = lines[cursor]!;
        cursor = (cursor + 1) % lines.length;
        (streams[entry.stream]!.entries as { tsNs: string; line: string }[]).push({ tsNs: nextStamp(wallMs), line: entry.line });
        units += entry.bytes;
      }
      done();
      return {
        body: encodeLokiPush(
          encoding,
          streams.filter((s) => s.entries.length > 0),
        ),
        units,
      };
    },
  };
}

function growInt32(array: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(array.length * 2);
  grown.set(array);
  return grown;
}
