import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Test support (not a measurement instrument): a loopback HTTP server on a port the OS picks that
 * records every request and answers from a script. Used by transport and canary-writer tests.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  receivedAtMs: number;
}

export type ScriptedReply =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  /** Drop the connection without answering (a network error for the client). */
  | { destroy: true };

export type Script = (request: RecordedRequest, index: number) => ScriptedReply;

export interface StartedScriptedHttpServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly origin: string;
  readonly requests: readonly RecordedRequest[];
  stop(): Promise<void>;
}

/** Replies from `replies` in order, repeating the last one once the list runs out. */
export function inOrder(...replies: ScriptedReply[]): Script {
  return (_request, index) => replies[Math.min(index, replies.length - 1)]!;
}

export async function startScriptedHttpServer(script: Script): Promise<StartedScriptedHttpServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: new Uint8Array(Buffer.concat(chunks)),
        receivedAtMs: Date.now(),
      };
      requests.push(request);
      const reply = script(request, requests.length - 1);
      if ("destroy" in reply) return void req.socket.destroy();
      const answer = () => {
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body ?? "");
      };
      if (reply.delayMs === undefined) return answer();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer();
      }, reply.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  return { origin: `http://127.0.0.1:${port}`, requests, stop, [Symbol.asyncDispose]: stop };
}
