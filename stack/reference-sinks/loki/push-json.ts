import type { LogEntry } from "./log-store.ts";

/**
 * Decodes a JSON push body (`{"streams":[{"stream":{...},"values":[["<ns>","line"]]}]}`) and words
 * failures as Loki 3.5's jsoniter decoder does: `loghttp.PushRequest.Streams: []loghttp.LogProtoStream: <what>,
 * error found in #10 byte of ...|<10 bytes>|..., bigger context ...|<up to 100 bytes>|...`. The two
 * failures the peers recorded (a body truncated inside the streams array, a numeric timestamp) are
 * reproduced byte for byte; both are reported at the end of the body, as Loki does. Other failures use
 * the same frame with the JavaScript parser's description.
 */
export interface JsonPushStream {
  readonly labels: Record<string, string>;
  readonly entries: LogEntry[];
}

export class JsonPushError extends Error {
  override name: string = "JsonPushError";
}

export function decodeJsonPush(body: Buffer): JsonPushStream[] {
  const text = body.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const description = cause instanceof Error ? cause.message : String(cause);
    const position = /at position (\d+)/.exec(description);
    if (position === null) throw new JsonPushError(frame(body, body.length, eofMessage(text)));
    const head = Buffer.byteLength(text.slice(0, Number(position[1])), "utf8");
    throw new JsonPushError(frame(body, head, head >= body.length ? eofMessage(text) : description));
  }
  const fail = (what: string): never => {
    throw new JsonPushError(frame(body, body.length, what));
  };
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) fail("ReadObject: expect { or n");
  const streams = (parsed as { streams?: unknown }).streams;
  if (streams === undefined || streams === null) return [];
  if (!Array.isArray(streams)) fail("decode slice: expect [ or n");
  const streamEnds = streamEndOffsets(body);
  return (streams as unknown[]).map((stream, index) => {
    // jsoniter reports a bad stream where it stopped: just after that stream's closing brace.
    const fail = (what: string): never => {
      throw new JsonPushError(frame(body, streamEnds[index] ?? body.length, what));
    };
    if (typeof stream !== "object" || stream === null) fail("ReadObject: expect { or n");
    const { stream: labelMap = {}, values = [] } = stream as { stream?: unknown; values?: unknown };
    if (typeof labelMap !== "object" || labelMap === null || Array.isArray(labelMap)) fail("ReadMapCB: expect { or n");
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(labelMap as object)) {
      if (typeof value !== "string") fail(`ReadString: expects " or n, but found ${JSON.stringify(value)}`);
      labels[name] = value as string;
    }
    if (!Array.isArray(values)) fail("decode slice: expect [ or n");
    const entries = (values as unknown[]).map((pair): LogEntry => {
      if (!Array.isArray(pair)) fail("unmarshalerDecoder: expect [ or n");
      const [ts, line] = pair as unknown[];
      if (typeof ts === "number" || typeof ts === "boolean" || ts === null) {
        fail("unmarshalerDecoder: Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol");
      }
      if (typeof ts !== "string" || !/^-?[0-9]+$/.test(ts)) fail(`unmarshalerDecoder: strconv.ParseInt: parsing ${JSON.stringify(ts)}: invalid syntax`);
      if (typeof line !== "string") fail('unmarshalerDecoder: ReadString: expects " or n');
      return { tsNs: BigInt(ts as string), line: line as string };
    });
    return { labels, entries };
  });
}

/** jsoniter's `ReportError` frame at byte offset `head`: 10 bytes either side, then 50 either side. */
function frame(body: Buffer, head: number, what: string): string {
  const peekStart = Math.max(0, head - 10);
  const parsing = body.subarray(peekStart, Math.min(body.length, head + 10)).toString("utf8");
  const context = body.subarray(Math.max(0, head - 50), Math.min(body.length, head + 50)).toString("utf8");
  return `loghttp.PushRequest.Streams: []loghttp.LogProtoStream: ${what}, error found in #${head - peekStart} byte of ...|${parsing}|..., bigger context ...|${context}|...`;
}

/** Byte offsets just past each element of the top-level `streams` array (structural bytes are ASCII). */
function streamEndOffsets(body: Buffer): number[] {
  const ends: number[] = [];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 2) ends.push(i + 1);
    }
  }
  return ends;
}

/** What jsoniter reports when the body ends inside the innermost open array or object. */
function eofMessage(text: string): string {
  const open: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") open.push(c);
    else if (c === "]" || c === "}") open.pop();
  }
  return open.at(-1) === "{" ? "ReadObjectCB: expect } or , but found \u0000" : "decode slice: expect ], but found \u0000";
}
