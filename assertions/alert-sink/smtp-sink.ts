import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import { parseEmail } from "./email-message.ts";
import { NotificationLog, type WaitForOptions } from "./notification-log.ts";
import { RECEIVER_HEADER, type Notification, type NotificationMatch } from "./notification.ts";
import { alertNamesInText, fieldsFromTitle } from "./parse-notification.ts";

const MAX_MESSAGE_BYTES = 1 << 20;

export interface EmailReceipt {
  from: string;
  to: string[];
  subject: string;
  receivedAtMs: number;
  /** Decoded text of every text part. */
  text: string;
}

export interface StoppedSmtpSink {
  notifications: readonly Notification[];
}

/** A loopback SMTP server (no TLS, any credentials) that records alert emails as notifications. */
export class SmtpSink {
  #clock: Clock = systemClock;
  #listenHost = "127.0.0.1";

  static start(): Promise<StartedSmtpSink> {
    return new SmtpSink().start();
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

  async start(): Promise<StartedSmtpSink> {
    const started = new StartedSmtpSink(this.#clock);
    await started.listen(this.#listenHost);
    return started;
  }
}

export class StartedSmtpSink implements AsyncDisposable {
  readonly #log = new NotificationLog();
  readonly #messages: EmailReceipt[] = [];
  readonly #server: SMTPServer;
  #hostPort = "";
  #stopped = false;

  constructor(private readonly clock: Clock) {
    this.#server = new SMTPServer({
      secure: false,
      authOptional: true,
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      disabledCommands: ["STARTTLS"],
      size: MAX_MESSAGE_BYTES,
      closeTimeout: 500,
      logger: false,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? "anonymous" }),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          const receivedAtMs = this.clock.nowMs();
          if ((stream as { sizeExceeded?: boolean }).sizeExceeded) return callback(new Error(`message over ${MAX_MESSAGE_BYTES} bytes`));
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
          const to = session.envelope.rcptTo.map((r: SMTPServerAddress) => r.address);
          this.#record(Buffer.concat(chunks).toString("utf8"), { from, to, receivedAtMs });
          callback();
        });
      },
    });
  }

  /** @internal */
  async listen(host = "127.0.0.1"): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", (cause) => reject(new HarnessError(`SMTP sink could not listen on ${host}:0`, { cause })));
      this.#server.listen(0, host, () => resolve());
    });
    this.#hostPort = `127.0.0.1:${(this.#server.server.address() as AddressInfo).port}`;
  }

  /** `127.0.0.1:<port>`, as Alertmanager's `smarthost` wants it. */
  get hostPort(): string {
    return this.#hostPort;
  }

  messages(): readonly EmailReceipt[] {
    return [...this.#messages];
  }

  notifications(): readonly Notification[] {
    return this.#log.list();
  }

  waitFor(match: NotificationMatch | ((n: Notification) => boolean), options: WaitForOptions): Promise<Notification> {
    return this.#log.waitFor(match, { clock: this.clock, ...options });
  }

  async stop(): Promise<StoppedSmtpSink> {
    if (!this.#stopped) {
      this.#stopped = true;
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }
    return { notifications: this.#log.list() };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #record(raw: string, envelope: { from: string; to: string[]; receivedAtMs: number }): void {
    const email = parseEmail(raw);
    const receipt: EmailReceipt = { ...envelope, subject: email.subject, text: email.text };
    this.#messages.push(receipt);
    const fields = fieldsFromTitle(email.subject, email.text);
    if (fields === undefined && alertNamesInText(email.text).length === 0) return; // not an alert email
    const receiver = email.headers.get(RECEIVER_HEADER);
    this.#log.record({
      channel: "email",
      receivedAtMs: envelope.receivedAtMs,
      status: fields?.status ?? "firing",
      alertNames: fields?.alertNames ?? alertNamesInText(email.text),
      ...(receiver ? { receiver } : {}),
      raw: receipt,
    });
  }
}
