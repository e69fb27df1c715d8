import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import { NotificationLog, type WaitForOptions } from "./notification-log.ts";
import type { AlertChannel, Notification, NotificationMatch } from "./notification.ts";
import { parseAlertmanagerWebhook, parsePagerDutyEvent, parseSlackMessage, type ParseResult } from "./parse-notification.ts";

const MAX_BODY_BYTES = 1 << 20;

export interface AlertSinkUrls {
  /** PagerDuty Events API v2 enqueue URL (`?receiver=<name>` may be appended). */
  pagerduty: string;
  /** Slack incoming-webhook base; post to `<slack>/<token>` (the overrides use the receiver name). */
  slack: string;
  /** Alertmanager webhook base; post to `<webhook>/<name>`. */
  webhook: string;
}

export interface StoppedAlertSink {
  notifications: readonly Notification[];
}

/**
 * A loopback HTTP receiver that speaks PagerDuty Events v2, Slack incoming webhooks and the
 * Alertmanager webhook, recording every accepted notification with its receipt time.
 */
export class AlertSink {
  #clock: Clock = systemClock;
  #listenHost = "127.0.0.1";

  static start(): Promise<StartedAlertSink> {
    return new AlertSink().start();
  }

  withClock(clock: Clock): this {
    this.#clock = clock;
    return this;
  }

  /**
   * The address to listen on (default 127.0.0.1). On k3s or a cluster the pods must reach the sink, so
   * scenarios pass 0.0.0.0 there; the sink's URLs keep naming 127.0.0.1 (the runtime rewrites them to
   * the address pods reach).
   */
  withListenHost(host: string): this {
    this.#listenHost = host;
    return this;
  }

  async start(): Promise<StartedAlertSink> {
    const started = new StartedAlertSink(this.#clock);
    await started.listen(this.#listenHost);
    return started;
  }
}

export class StartedAlertSink implements AsyncDisposable {
  readonly #log = new NotificationLog();
  readonly #server: Server;
  #failStatus: number | undefined;
  #urls: AlertSinkUrls | undefined;

  constructor(private readonly clock: Clock) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  /** @internal */
  async listen(host = "127.0.0.1"): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", (cause) => reject(new HarnessError(`alert sink could not listen on ${host}:0`, { cause })));
      this.#server.listen(0, host, resolve);
    });
    const base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    this.#urls = { pagerduty: `${base}/pagerduty/v2/enqueue`, slack: `${base}/slack`, webhook: `${base}/webhook` };
  }

  get urls(): AlertSinkUrls {
    return this.#urls!;
  }

  notifications(): readonly Notification[] {
    return this.#log.list();
  }

  waitFor(match: NotificationMatch | ((n: Notification) => boolean), options: WaitForOptions): Promise<Notification> {
    return this.#log.waitFor(match, { clock: this.clock, ...options });
  }

  /** Simulate a failing receiver: every request gets `status` (and nothing is recorded) until `failWith(undefined)`. */
  failWith(status: number | undefined): void {
    this.#failStatus = status;
  }

  async stop(): Promise<StoppedAlertSink> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return { notifications: this.#log.list() };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#server.listening) await this.stop();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, first, second, third] = url.pathname.split("/");
    const route: { channel: AlertChannel; receiver?: string } | undefined =
      req.method !== "POST"
        ? undefined
        : first === "pagerduty" && second === "v2" && third === "enqueue"
          ? { channel: "pagerduty", receiver: url.searchParams.get("receiver") ?? undefined }
          : first === "slack" && second && !third
            ? { channel: "slack", receiver: decodeURIComponent(second) }
            : first === "webhook" && second && !third
              ? { channel: "webhook", receiver: decodeURIComponent(second) }
              : undefined;
    if (route === undefined) return reply(res, 404, "text/plain", `no alert sink route for ${req.method} ${url.pathname}`);
    const text = await readBody(req);
    const receivedAtMs = this.clock.nowMs();
    if (this.#failStatus !== undefined) return reply(res, this.#failStatus, "text/plain", "alert sink told to fail");
    if (text === undefined) return reply(res, 413, "text/plain", `body over ${MAX_BODY_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return invalid(res, route.channel, ["request body is not valid JSON"]);
    }
    const parsed: ParseResult =
      route.channel === "pagerduty" ? parsePagerDutyEvent(body) : route.channel === "slack" ? parseSlackMessage(body) : parseAlertmanagerWebhook(body);
    if (parsed.kind === "invalid") return invalid(res, route.channel, parsed.errors);
    const receiver = parsed.fields.receiver ?? route.receiver;
    const dedupKey = parsed.fields.dedupKey ?? (route.channel === "pagerduty" ? randomUUID().replaceAll("-", "") : undefined);
    this.#log.record({
      channel: route.channel,
      receivedAtMs,
      ...parsed.fields,
      ...(receiver ? { receiver } : {}),
      ...(dedupKey ? { dedupKey } : {}),
      raw: body,
    });
    if (route.channel === "pagerduty")
      return reply(res, 202, "application/json", JSON.stringify({ status: "success", message: "Event processed", dedup_key: dedupKey }));
    if (route.channel === "slack") return reply(res, 200, "text/plain", "ok");
    return reply(res, 200, "application/json", "{}");
  }
}

function invalid(res: ServerResponse, channel: AlertChannel, errors: string[]): void {
  if (channel === "pagerduty") reply(res, 400, "application/json", JSON.stringify({ status: "invalid event", message: "Event object is invalid", errors }));
  else reply(res, 400, "text/plain", channel === "slack" ? errors[0]! : errors.join("; "));
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) }).end(body);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
