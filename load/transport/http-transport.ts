import { readFileSync } from "node:fs";
import { Pool, type Dispatcher } from "undici";
import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import type { SendResult, Transport } from "./transport.ts";

const OBSCONF_VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** `obsconf/<package.json version>`, read once at load. */
export const USER_AGENT = `obsconf/${OBSCONF_VERSION}`;

/** Headers every remote-write 1.0 sender sends with a snappy-compressed `WriteRequest` body. */
export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Encoding": "snappy",
  "Content-Type": "application/x-protobuf",
  "X-Prometheus-Remote-Write-Version": "0.1.0",
});

/** Error bodies kept in a `rejected` result (and quoted in `retryable` reasons) are cut to this. */
export const MAX_ERROR_BODY_BYTES = 1024;

export interface HttpTransportOptions {
  /** Full endpoint URL, e.g. `http://127.0.0.1:9009/api/v1/push`. */
  url: string;
  /** Sent with every request; override `User-Agent` here if needed. */
  headers?: Record<string, string>;
  /** A caller-owned pool for the URL's origin; without one the transport owns a keep-alive Pool. */
  pool?: Dispatcher;
  /** Connections of the owned pool (default 4). */
  connections?: number;
  /** Turns an HTTP-date `Retry-After` into a delay. */
  clock?: Clock;
}

export interface HttpTransport extends Transport, AsyncDisposable {
  readonly url: string;
  /** Closes the owned pool (a caller-owned pool is left open). */
  close(): Promise<void>;
}

/**
 * POSTs bytes with undici over keep-alive connections and classifies the answer:
 * 2xx ok; 429 and 5xx retryable (with `Retry-After` in ms); any other status rejected with its body;
 * network errors and timeouts retryable with the reason. `timeoutMs` bounds the whole exchange.
 */
export function createHttpTransport({ url, headers = {}, pool, connections = 4, clock = systemClock }: HttpTransportOptions): HttpTransport {
  const target = new URL(url);
  const dispatcher = pool ?? new Pool(target.origin, { connections, keepAliveTimeout: 30_000 });
  const requestHeaders = { "User-Agent": USER_AGENT, ...headers };
  const path = `${target.pathname}${target.search}`;
  let closed = false;

  async function send(body: Uint8Array, timeoutMs: number): Promise<SendResult> {
    if (closed) throw new HarnessError(`http transport to ${url} used after close()`);
    const signal = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)));
    try {
      const response = await dispatcher.request({ path, method: "POST", headers: requestHeaders, body, signal });
      const { statusCode: status } = response;
      if (status >= 200 && status < 300) {
        await response.body.dump();
        return { kind: "ok", status };
      }
      const text = await readErrorBody(response.body);
      if (status === 429 || status >= 500) {
        const retryAfterMs = parseRetryAfterMs(response.headers["retry-after"], clock);
        const reason = text === "" ? `HTTP ${status}` : `HTTP ${status} ${JSON.stringify(text.slice(0, 200))}`;
        return retryAfterMs === undefined ? { kind: "retryable", status, reason } : { kind: "retryable", status, retryAfterMs, reason };
      }
      return { kind: "rejected", status, body: text };
    } catch (error) {
      if (signal.aborted) return { kind: "retryable", reason: `timeout after ${timeoutMs}ms` };
      return { kind: "retryable", reason: `network error: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (pool === undefined) await dispatcher.close();
  }

  return { url, send, close, [Symbol.asyncDispose]: close };
}

/** The remote-write flavour: `REMOTE_WRITE_HEADERS` plus the caller's (e.g. `X-Scope-OrgID`). */
export function createRemoteWriteTransport(options: HttpTransportOptions): HttpTransport {
  return createHttpTransport({ ...options, headers: { ...REMOTE_WRITE_HEADERS, ...options.headers } });
}

/** Body text cut to its first `MAX_ERROR_BODY_BYTES` bytes, trailing whitespace removed. */
async function readErrorBody(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const bytes = new Uint8Array(await body.arrayBuffer());
  const cut = bytes.length > MAX_ERROR_BODY_BYTES;
  const text = new TextDecoder().decode(cut ? bytes.subarray(0, MAX_ERROR_BODY_BYTES) : bytes);
  return (cut ? text.replace(/\uFFFD$/, "") : text).trimEnd();
}

const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** `Retry-After` as delay-seconds or an IMF-fixdate (RFC 9110 §10.2.3); undefined when absent or invalid. */
export function parseRetryAfterMs(value: string | string[] | undefined, clock: Clock = systemClock): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === "") return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!IMF_FIXDATE.test(text)) return undefined;
  const atMs = Date.parse(text);
  return Number.isNaN(atMs) ? undefined : Math.max(0, atMs - clock.nowMs());
}
