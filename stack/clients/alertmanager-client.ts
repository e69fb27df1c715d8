import { Agent, type Dispatcher } from "undici";
import { z } from "zod";
import { systemClock, type Clock } from "../../common/clock.ts";
import { RequestFailure, sendRequest, urlOf } from "./send-request.ts";
import { HarnessError } from "../../common/errors.ts";

/** Every call answers with its data and how long it took (request sent → body read). */
export interface AmResponse<T> {
  readonly data: T;
  readonly durationMs: number;
}

export interface AmReadyState {
  readonly ready: boolean;
  readonly status: number;
  readonly body: string;
}

const versionInfoSchema = z.object({
  version: z.string(),
  revision: z.string(),
  branch: z.string(),
  buildUser: z.string(),
  buildDate: z.string(),
  goVersion: z.string(),
});
const statusSchema = z.object({
  /** The running configuration as Alertmanager re-marshals it: defaults filled in, secrets shown as `<secret>`. */
  config: z.object({ original: z.string() }),
  versionInfo: versionInfoSchema,
  cluster: z.object({
    status: z.string(),
    name: z.string().optional(),
    peers: z
      .array(z.object({ name: z.string(), address: z.string() }))
      .nullish()
      .transform((p) => p ?? []),
  }),
  uptime: z.string(),
});
const labelSetSchema = z.record(z.string(), z.string());
const alertSchema = z.object({
  labels: labelSetSchema,
  annotations: labelSetSchema,
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.string(),
  generatorURL: z.string().optional(),
  fingerprint: z.string(),
  receivers: z.array(z.object({ name: z.string() })),
  status: z.object({
    state: z.enum(["unprocessed", "active", "suppressed"]),
    silencedBy: z.array(z.string()),
    inhibitedBy: z.array(z.string()),
  }),
});
const receiversSchema = z.array(z.object({ name: z.string() }));

export type AmVersionInfo = z.infer<typeof versionInfoSchema>;
export type AmStatus = z.infer<typeof statusSchema>;
/** An alert as `GET /api/v2/alerts` returns it (gettableAlert). */
export type AmAlert = z.infer<typeof alertSchema>;

/** An alert as `POST /api/v2/alerts` takes it (postableAlert); times are RFC 3339. */
export interface PostableAlert {
  labels: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertsFilter {
  /** Matchers such as `alertname="Watchdog"`, ANDed. */
  filter?: readonly string[];
  /** A regex over receiver names. */
  receiver?: string;
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
}

export interface AlertmanagerClientOptions {
  /** API root, e.g. `http://127.0.0.1:9093` (a `--web.route-prefix` goes here too). */
  baseUrl: string;
  /** Per-request deadline for the whole exchange, headers and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra headers on every request (an attached stack's credentials). */
  headers?: Readonly<Record<string, string>>;
  /** A shared dispatcher; by default the client owns a keep-alive Agent and `close()` closes it. */
  dispatcher?: Dispatcher;
  clock?: Clock;
  /** The component's `StartedStack.lifeSignal()`: once it dies, calls fail at once naming the death (cause: ComponentDiedError). */
  lifeSignal?: AbortSignal;
}

/** How many characters of a response body an error quotes. */
export const AM_BODY_QUOTE_CHARS = 200;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Why an Alertmanager API call did not yield data: `status` is undefined when no HTTP answer
 * came (refused, reset, timed out). Message: `alertmanager status() GET <url> failed: HTTP 404 "body"`.
 */
export class AlertmanagerApiError extends HarnessError {
  override name: string = "AlertmanagerApiError";
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly bodyExcerpt: string;

  constructor(
    init: { method: string; httpMethod: "GET" | "POST"; url: string; status?: number; bodyExcerpt?: string; problem: string },
    options?: { cause?: unknown },
  ) {
    super(`alertmanager ${init.method}() ${init.httpMethod} ${init.url} failed: ${init.problem}`, options);
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.bodyExcerpt = init.bodyExcerpt ?? "";
  }
}

function excerpt(body: string): string {
  return body.length > AM_BODY_QUOTE_CHARS ? `${body.slice(0, AM_BODY_QUOTE_CHARS)}…` : body;
}

/** Typed client for the Alertmanager API v2. Failures throw `AlertmanagerApiError`. */
export class AlertmanagerClient implements AsyncDisposable {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #clock: Clock;
  readonly #lifeSignal: AbortSignal | undefined;

  readonly #headers: Readonly<Record<string, string>>;

  constructor({ baseUrl, timeoutMs = DEFAULT_TIMEOUT_MS, headers = {}, dispatcher, clock = systemClock, lifeSignal }: AlertmanagerClientOptions) {
    this.#headers = headers;
    this.#lifeSignal = lifeSignal;
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.timeoutMs = timeoutMs;
    this.#dispatcher = dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 16 });
    this.#ownsDispatcher = dispatcher === undefined;
    this.#clock = clock;
  }

  /** `GET /api/v2/status`: the running config (`config.original`), version and cluster state. */
  status(): Promise<AmResponse<AmStatus>> {
    return this.#getJson("status", "/api/v2/status", [], statusSchema);
  }

  /** `GET /api/v2/alerts`. */
  alerts(filter: AlertsFilter = {}): Promise<AmResponse<AmAlert[]>> {
    const params: [string, string][] = (filter.filter ?? []).map((m): [string, string] => ["filter", m]);
    if (filter.receiver !== undefined) params.push(["receiver", filter.receiver]);
    for (const key of ["active", "silenced", "inhibited"] as const) {
      if (filter[key] !== undefined) params.push([key, String(filter[key])]);
    }
    return this.#getJson("alerts", "/api/v2/alerts", params, z.array(alertSchema));
  }

  /** `GET /api/v2/receivers`: receiver names. */
  async receivers(): Promise<AmResponse<string[]>> {
    const { data, durationMs } = await this.#getJson("receivers", "/api/v2/receivers", [], receiversSchema);
    return { data: data.map((r) => r.name), durationMs };
  }

  /** `GET /-/ready` as data: any HTTP answer is returned, only a failed exchange throws. */
  async ready(): Promise<AmResponse<AmReadyState>> {
    const { status, body, durationMs } = await this.#send("ready", "GET", `${this.baseUrl}/-/ready`);
    return { data: { ready: status === 200, status, body }, durationMs };
  }

  /** `POST /api/v2/alerts`; Alertmanager answers 200 with an empty body. */
  async postAlerts(alerts: readonly PostableAlert[]): Promise<AmResponse<void>> {
    const url = `${this.baseUrl}/api/v2/alerts`;
    const { status, body, durationMs } = await this.#send("postAlerts", "POST", url, JSON.stringify(alerts));
    if (status < 200 || status > 299) {
      throw new AlertmanagerApiError({
        method: "postAlerts",
        httpMethod: "POST",
        url,
        status,
        bodyExcerpt: excerpt(body),
        problem: `HTTP ${status} ${JSON.stringify(excerpt(body))}`,
      });
    }
    return { data: undefined, durationMs };
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #getJson<T>(method: string, path: string, params: readonly [string, string][], schema: z.ZodType<T>): Promise<AmResponse<T>> {
    const url = urlOf(this.baseUrl, path, params);
    const { status, body, durationMs } = await this.#send(method, "GET", url);
    const fail = (problem: string, cause?: unknown) =>
      new AlertmanagerApiError({ method, httpMethod: "GET", url, status, bodyExcerpt: excerpt(body), problem }, { cause });
    if (status < 200 || status > 299) throw fail(`HTTP ${status} ${JSON.stringify(excerpt(body))}`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (cause) {
      throw fail(`expected JSON, saw HTTP ${status} ${JSON.stringify(excerpt(body))}`, cause);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw fail(
        `unexpected response shape at ${issue.path.map(String).join(".") || "(root)"}: ${issue.message}; saw ${JSON.stringify(excerpt(body))}`,
        parsed.error,
      );
    }
    return { data: parsed.data, durationMs };
  }

  async #send(method: string, httpMethod: "GET" | "POST", url: string, body?: string) {
    const headers: Record<string, string> = { ...this.#headers, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      const {
        status,
        body: text,
        durationMs,
      } = await sendRequest(url, {
        method: httpMethod,
        headers,
        ...(body === undefined ? {} : { body }),
        dispatcher: this.#dispatcher,
        timeoutMs: this.timeoutMs,
        lifeSignal: this.#lifeSignal,
        clock: this.#clock,
      });
      return { status, body: text, durationMs };
    } catch (failure) {
      if (!(failure instanceof RequestFailure)) throw failure;
      throw new AlertmanagerApiError({ method, httpMethod, url, problem: failure.message }, { cause: failure.cause });
    }
  }
}
