import { request, type Dispatcher } from "undici";
import type { Clock } from "../../common/clock.ts";

/** An answer of a component's HTTP API, whatever its status: the clients judge status and body. */
export interface SentRequest {
  status: number;
  contentType: string;
  body: string;
  durationMs: number;
}

/**
 * Why a request got no answer: the component died (the cause is its death, a ComponentDiedError),
 * the request's deadline passed, or the transport failed (refused, reset). The message has no URL:
 * `withUrl` adds it the way the query clients report it.
 */
export class RequestFailure extends Error {
  constructor(
    readonly kind: "died" | "timeout" | "transport",
    message: string,
    readonly url: string,
    readonly durationMs: number,
    options: { cause: unknown },
  ) {
    super(message, options);
  }

  /** `no response within 2000ms from <url>`, `<transport error> (<url>)`, a death as it is. */
  get withUrl(): string {
    if (this.kind === "died") return this.message;
    return this.kind === "timeout" ? `${this.message} from ${this.url}` : `${this.message} (${this.url})`;
  }
}

export interface SendOptions {
  method?: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  /**
   * The component's life signal (`StartedStack.lifeSignal(component)`) when the client was given
   * one: a request to a component that died fails at once, naming the death, instead of waiting for
   * its timeout or reporting a bare ECONNREFUSED.
   */
  lifeSignal: AbortSignal | undefined;
  clock: Clock;
}

/** `base` + `path`, with the query string when there are parameters. */
export function urlOf(base: string, path: string, params: readonly [string, string][]): string {
  return `${base}${path}${params.length > 0 ? `?${new URLSearchParams(params as [string, string][])}` : ""}`;
}

/**
 * One request of a stack client, the one place the clients' deadline and life signal meet: the
 * answer with its duration, or a RequestFailure saying which of the three stopped it.
 */
export async function sendRequest(url: string, o: SendOptions): Promise<SentRequest> {
  const started = o.clock.monotonicMs();
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const life = o.lifeSignal;
  const died = () => (life?.aborted ? (life.reason instanceof Error ? life.reason : new Error(String(life.reason))) : undefined);
  const early = died();
  if (early) throw new RequestFailure("died", early.message, url, 0, { cause: early });
  try {
    const response = await request(url, {
      method: o.method ?? "GET",
      dispatcher: o.dispatcher,
      signal: life ? AbortSignal.any([deadline, life]) : deadline,
      headers: o.headers,
      body: o.body,
    });
    const body = await response.body.text();
    return {
      status: response.statusCode,
      contentType: String(response.headers["content-type"] ?? ""),
      body,
      durationMs: o.clock.monotonicMs() - started,
    };
  } catch (cause) {
    const durationMs = o.clock.monotonicMs() - started;
    const death = died();
    if (death) throw new RequestFailure("died", death.message, url, durationMs, { cause: death });
    if (deadline.aborted) throw new RequestFailure("timeout", `no response within ${o.timeoutMs}ms`, url, durationMs, { cause });
    throw new RequestFailure("transport", cause instanceof Error ? cause.message : String(cause), url, durationMs, { cause });
  }
}
