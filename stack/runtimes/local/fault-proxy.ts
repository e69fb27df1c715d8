import { EventEmitter } from "node:events";
import {
  Agent,
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server as HttpServer,
  type ServerResponse,
} from "node:http";
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { HarnessError } from "../../../common/errors.ts";
import type { Endpoint, FaultProxyControl, ProxyFaultSettings, ProxyScope, ProxyStats } from "../../started-stack.ts";

/** Bytes queued in one direction before the source is paused (backpressure while delayed or partitioned). */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

export interface FaultProxyOptions {
  component: string;
  port: string;
  mode: "tcp" | "http";
  listen: { host: string; port: number };
  upstream: { host: string; port: number };
}

/**
 * A userspace proxy the local runtime puts in front of a component's port, so faults can act on
 * the traffic between clients and the component (no sch_netem needed). `tcp` forwards bytes;
 * `http` parses HTTP/1.1 requests and can answer them itself. With empty settings it forwards
 * everything untouched.
 */
export class FaultProxy implements FaultProxyControl, AsyncDisposable {
  readonly component: string;
  readonly port: string;
  readonly mode: "tcp" | "http";
  readonly listen: Endpoint;
  readonly upstream: Endpoint;
  #settings: ProxyFaultSettings = {};
  readonly #stats: ProxyStats = { connections: 0, requests: 0, forwarded: 0, injectedErrors: 0, ackedDropped: 0, cut: 0 };
  readonly #changed = new EventEmitter();
  readonly #sockets = new Set<Socket>();
  #server: TcpServer | HttpServer | undefined;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(options: FaultProxyOptions) {
    this.component = options.component;
    this.port = options.port;
    this.mode = options.mode;
    this.listen = toEndpoint(options.listen);
    this.upstream = toEndpoint(options.upstream);
    this.#changed.setMaxListeners(0);
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await proxy.#listen();
    return proxy;
  }

  set(settings: ProxyFaultSettings): void {
    this.#settings = { ...settings };
    this.#changed.emit("change");
  }

  settings(): ProxyFaultSettings {
    return { ...this.#settings };
  }

  stats(): ProxyStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#settings = {};
    this.#changed.emit("change");
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    if ("closeAllConnections" in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #listen(): Promise<void> {
    const server =
      this.mode === "tcp"
        ? createTcpServer({ allowHalfOpen: true }, (socket) => this.#onTcp(socket))
        : createHttpServer({ keepAlive: true }, (req, res) => void this.#onHttp(req, res));
    if (this.mode === "http") server.on("connection", (socket: Socket) => this.#track(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(
          new HarnessError(
            `fault proxy for ${this.component}@${this.port} could not listen on ${this.listen.host}:${this.listen.port} (${(error as Error).message})`,
            { cause: error },
          ),
        ),
      );
      server.listen(this.listen.port, this.listen.host, () => resolve());
    });
    this.#server = server;
  }

  #track(socket: Socket): void {
    this.#stats.connections++;
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }

  #lost(): boolean {
    const percent = this.#settings.lossPercent ?? 0;
    return percent > 0 && Math.random() * 100 < percent;
  }

  #onTcp(client: Socket): void {
    this.#track(client);
    if (this.#lost()) {
      this.#stats.cut++;
      client.resetAndDestroy();
      return;
    }
    // Half-open on both sides: a client's FIN reaches the server only after its delayed bytes do.
    const upstream = connect({ host: this.upstream.host, port: this.upstream.port, allowHalfOpen: true });
    this.#sockets.add(upstream);
    upstream.once("close", () => this.#sockets.delete(upstream));
    this.#stats.forwarded++;
    // Loss on an open connection: a chunk from the client is, with that probability, the end of it (reset both ways).
    client.prependListener("data", () => {
      if (!this.#lost()) return;
      this.#stats.cut++;
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    });
    const toServer = new DelayedPipe(
      client,
      upstream,
      () => this.#settings.delayMs ?? 0,
      () => this.#settings.partition === true,
      this.#changed,
    );
    const toClient = new DelayedPipe(
      upstream,
      client,
      () => 0,
      () => this.#settings.partition === true,
      this.#changed,
    );
    const dispose = () => {
      toServer.dispose();
      toClient.dispose();
    };
    const reset = () => {
      dispose();
      client.destroy();
      upstream.destroy();
    };
    // An error (reset, refused) on either side ends both; a clean close ends each direction after its queue drains.
    client.once("error", reset);
    upstream.once("error", reset);
    let closed = 0;
    const onClose = () => ++closed === 2 && dispose();
    client.once("close", onClose);
    upstream.once("close", onClose);
  }

  async #onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#stats.requests++;
    const matches = (scope: ProxyScope) => scope === "all" || (req.method !== "GET" && req.method !== "HEAD");
    await this.#whilePartitioned(req);
    if (req.destroyed) return;
    if (this.#lost()) {
      this.#stats.cut++;
      req.socket.resetAndDestroy();
      return;
    }
    const { httpError, ackDrop } = this.#settings;
    if (httpError && matches(httpError.scope)) {
      this.#stats.injectedErrors++;
      await drain(req);
      const headers: OutgoingHttpHeaders = {
        "content-type": "text/plain; charset=utf-8",
        ...(httpError.retryAfterSeconds !== undefined ? { "retry-after": String(httpError.retryAfterSeconds) } : {}),
      };
      res.writeHead(httpError.status, headers).end(`obsconf fault proxy: injected HTTP ${httpError.status} in front of ${this.component}\n`);
      return;
    }
    if (ackDrop && matches(ackDrop.scope)) {
      this.#stats.ackedDropped++;
      await drain(req);
      res.writeHead(ackDrop.status ?? 204).end();
      return;
    }
    const delayMs = this.#settings.delayMs ?? 0;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    this.#forward(req, res);
  }

  /** Holds a request while the proxy is partitioned (or until the client gives up). */
  async #whilePartitioned(req: IncomingMessage): Promise<void> {
    while (this.#settings.partition && !req.destroyed && this.#server) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#changed.off("change", done);
          req.socket.off("close", done);
          resolve();
        };
        this.#changed.on("change", done);
        req.socket.once("close", done);
      });
    }
  }

  #forward(req: IncomingMessage, res: ServerResponse): void {
    this.#stats.forwarded++;
    const headers = withoutHopByHop(req.headers);
    const upstreamReq = httpRequest(
      { host: this.upstream.host, port: this.upstream.port, method: req.method, path: req.url, headers, agent: this.#agent },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, withoutHopByHop(upstreamRes.headers));
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.once("error", (error) => {
      if (res.headersSent) res.destroy();
      else
        res
          .writeHead(502, { "content-type": "text/plain; charset=utf-8" })
          .end(`obsconf fault proxy: ${this.component} at ${this.upstream.host}:${this.upstream.port} did not answer (${error.message})\n`);
    });
    res.once("close", () => !upstreamReq.writableFinished && upstreamReq.destroy());
    req.pipe(upstreamReq);
  }
}

/**
 * One direction of a TCP connection: chunks are held `delayMs` after arrival (order kept) and
 * not at all while partitioned (released on heal, as TCP retransmission would deliver them).
 */
class DelayedPipe {
  readonly #queue: { chunk: Buffer; dueMs: number }[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onChange = () => this.#flush();

  constructor(
    readonly from: Socket,
    readonly to: Socket,
    readonly delayMs: () => number,
    readonly partitioned: () => boolean,
    readonly changed: EventEmitter,
  ) {
    from.on("data", (chunk: Buffer) => this.#push(chunk));
    from.once("end", () => this.#push(undefined));
    changed.on("change", this.#onChange);
  }

  dispose(): void {
    this.changed.off("change", this.#onChange);
    if (this.#timer) clearTimeout(this.#timer);
  }

  #ended = false;
  #waitingDrain = false;

  #push(chunk: Buffer | undefined): void {
    if (chunk === undefined) this.#ended = true;
    else {
      this.#queue.push({ chunk, dueMs: performance.now() + this.delayMs() });
      this.#queuedBytes += chunk.length;
      if (this.#queuedBytes > HIGH_WATER_BYTES) this.from.pause();
    }
    this.#flush();
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.partitioned() || this.to.destroyed) return;
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0]!.dueMs <= now) {
      const { chunk } = this.#queue.shift()!;
      this.#queuedBytes -= chunk.length;
      if (!this.to.write(chunk) && !this.#waitingDrain) {
        this.#waitingDrain = true;
        this.from.pause();
        this.to.once("drain", () => {
          this.#waitingDrain = false;
          this.#flush();
        });
      }
    }
    if (this.#queue.length > 0) {
      this.#timer = setTimeout(() => this.#flush(), Math.max(1, this.#queue[0]!.dueMs - now));
      return;
    }
    if (!this.#waitingDrain && this.from.isPaused()) this.from.resume();
    if (this.#ended) this.to.end();
  }
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.complete) return resolve();
    req.on("data", () => undefined);
    req.once("end", () => resolve());
    req.once("close", () => resolve());
  });
}

function withoutHopByHop(headers: IncomingMessage["headers"]): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())));
}

function toEndpoint(address: { host: string; port: number }): Endpoint {
  return { host: address.host, port: address.port, url: `http://${address.host}:${address.port}` };
}
