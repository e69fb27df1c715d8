import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Labels } from "./label-text.ts";
import type { LogEntry, LogStore } from "./log-store.ts";
import { LogQLParseError, LogQLUnsupportedError } from "./logql-errors.ts";
import { evalLogQuery, matchesLabels, passesFilters } from "./logql-eval.ts";
import { parseLogQL, type LogSelectorExpr } from "./logql-parser.ts";
import { NS_PER_SECOND, nowNs, ParamError, parseLimit, parseTimestampNs } from "./loki-params.ts";

/**
 * `GET /loki/api/v1/tail` over WebSocket (query, start, limit, delay_for). On connect the entries from
 * `start` (default one hour ago) up to now are replayed at once in one frame, oldest first, up to `limit`;
 * then every matching entry pushed later is forwarded. Entries are batched: a frame goes out `TAIL_BATCH_MS` (+ delay_for)
 * after the first entry waiting, as `{"streams":[{"stream":{...},"values":[[ns,line]]}, ...]}` with one
 * stream object per entry, like Loki 2.8. `dropped_entries` appears only when a slow client made the
 * sink drop entries (more than `MAX_PENDING` waiting).
 */
export const TAIL_BATCH_MS = 500;
const MAX_PENDING = 10_000;
const MAX_DELAY_FOR_S = 5;
const TAIL_PATH = "/loki/api/v1/tail";

interface Pending {
  labels: Labels;
  entry: LogEntry;
}

export interface LokiTail {
  close(): Promise<void>;
}

export function attachLokiTail(server: Server, store: LogStore): LokiTail {
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://sink.invalid");
    if (url.pathname !== TAIL_PATH) return refuse(socket, 404, "404 page not found");
    let options: TailOptions;
    try {
      options = parseTailParams(url.searchParams);
    } catch (error) {
      if (error instanceof LogQLParseError || error instanceof LogQLUnsupportedError || error instanceof ParamError) return refuse(socket, 400, error.message);
      throw error;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveTail(ws, store, options));
  };
  server.on("upgrade", onUpgrade);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.off("upgrade", onUpgrade);
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

interface TailOptions {
  expr: LogSelectorExpr;
  startNs: bigint;
  limit: number;
  delayForMs: number;
}

function parseTailParams(params: URLSearchParams): TailOptions {
  const expr = parseLogQL(params.get("query") ?? "");
  if (expr.kind !== "log") throw new LogQLUnsupportedError("tailing a metric query");
  const delayFor = Number(params.get("delay_for") ?? "0");
  if (!Number.isInteger(delayFor) || delayFor < 0) throw new ParamError(`invalid delay_for parameter: ${JSON.stringify(params.get("delay_for"))}`);
  if (delayFor > MAX_DELAY_FOR_S) throw new ParamError(`delay_for can't be greater than ${MAX_DELAY_FOR_S}`);
  const startNs = parseTimestampNs("start", params.get("start"), nowNs() - 3600n * NS_PER_SECOND);
  return { expr, startNs, limit: parseLimit(params.get("limit")), delayForMs: delayFor * 1000 };
}

function serveTail(ws: WebSocket, store: LogStore, { expr, startNs, limit, delayForMs }: TailOptions): void {
  let pending: Pending[] = [];
  let dropped: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (ws.readyState !== ws.OPEN || (pending.length === 0 && dropped.length === 0)) return;
    const frame: { streams: unknown[]; dropped_entries?: unknown[] } = {
      streams: pending.map((p) => ({ stream: { ...p.labels }, values: [[p.entry.tsNs.toString(), p.entry.line]] })),
    };
    if (dropped.length > 0) frame.dropped_entries = dropped.map((d) => ({ labels: { ...d.labels }, timestamp: d.entry.tsNs.toString() }));
    pending = [];
    dropped = [];
    ws.send(JSON.stringify(frame));
  };
  const enqueue = (labels: Labels, entry: LogEntry) => {
    if (pending.length >= MAX_PENDING) {
      if (dropped.length < MAX_PENDING) dropped.push({ labels, entry });
    } else pending.push({ labels, entry });
    timer ??= setTimeout(flush, TAIL_BATCH_MS + delayForMs);
  };
  const history = evalLogQuery(store.streams(), expr, { startNs, endNs: nowNs() + 1n, limit, direction: "forward" });
  for (const entry of history
    .flatMap((s) => s.entries.map((e) => ({ labels: s.labels, entry: e })))
    .sort((a, b) => (a.entry.tsNs < b.entry.tsNs ? -1 : a.entry.tsNs > b.entry.tsNs ? 1 : 0))) {
    enqueue(entry.labels, entry.entry);
  }
  if (timer !== undefined) clearTimeout(timer), flush(); // history goes out at once, live entries are batched
  const unsubscribe = store.subscribe((accepted) => {
    for (const { stream, entries } of accepted) {
      if (!matchesLabels(stream.labels, expr.matchers)) continue;
      for (const entry of entries) if (passesFilters(entry.line, expr.filters)) enqueue(stream.labels, entry);
    }
  });
  ws.on("close", () => {
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
  });
  ws.on("error", () => ws.terminate());
}

function refuse(socket: Duplex, status: number, message: string): void {
  const reason = status === 404 ? "Not Found" : "Bad Request";
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
