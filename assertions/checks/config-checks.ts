import { parse as parseYaml } from "yaml";
import { systemClock, type Clock } from "../../common/clock.ts";
import { parseDurationMs } from "../../common/duration.ts";
import type { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { AlertChannel } from "../alert-sink/notification.ts";
import { requiredRoutes, targetFor, type Contract, type ContractTarget, type RequiredRoute } from "../contract.ts";
import type { CheckResult, Evidence, Measured, Target } from "../run-result.ts";
import { checkDef, type CheckId } from "./check-catalog.ts";

/**
 * Configuration checks: what the running Prometheus and Alertmanager say they run with, compared
 * with the contract. Expected outcomes (pass, fail) are data; a client or parse failure is
 * status `error` with the error text as reason. Never throws.
 */
export interface PrometheusCheckOptions<K extends keyof PrometheusClient> {
  client: Pick<PrometheusClient, K>;
  contract: Contract;
  clock?: Clock;
}

export interface AlertmanagerCheckOptions {
  client: Pick<AlertmanagerClient, "status">;
  contract: Contract;
  clock?: Clock;
}

type Outcome = Pick<CheckResult, "status" | "evidence"> & Partial<Pick<CheckResult, "reason" | "measured">>;

const FLAGS_PATH = "/api/v1/status/flags";
const CONFIG_PATH = "/api/v1/status/config";
const AM_STATUS_PATH = "/api/v2/status";
/** Prometheus' own default when neither retention flag is set (`cmd/prometheus/main.go`). */
const PROMETHEUS_DEFAULT_RETENTION = "15d";
/** Prometheus' default `global.scrape_interval`. */
const PROMETHEUS_DEFAULT_SCRAPE_INTERVAL = "1m";
/** Scrape jobs the harness adds as measurement instruments; they may scrape faster. */
export const HARNESS_JOB_PREFIX = "obsconf-";
/** `alertname` of the hypothetical alert each required route is tested with. */
export const ROUTE_PROBE_ALERTNAME = "ObsconfRouteProbe";

/** `storage.tsdb.retention.time` from `/api/v1/status/flags` == `retention.prometheus`. */
export function prometheusRetentionCheck({ client, contract, clock = systemClock }: PrometheusCheckOptions<"flags">): Promise<CheckResult> {
  const target = targetFor(contract, "retention.prometheus");
  return runCheck({ id: "config.prometheus.retention", target, clock }, async () => {
    const { data: flags } = await client.flags();
    const time = flags["storage.tsdb.retention.time"];
    const size = flags["storage.tsdb.retention.size"];
    const evidence: Evidence[] = [{ kind: "query", text: `GET ${FLAGS_PATH}: storage.tsdb.retention.time=${time ?? "(absent)"} storage.tsdb.retention.size=${size ?? "(absent)"}` }];
    if (time === undefined) {
      return { status: "unsupported", reason: `${FLAGS_PATH} has no storage.tsdb.retention.time flag (Mimir answers {}); retention cannot be read here`, evidence };
    }
    const effective = effectiveRetention(time, flags["storage.tsdb.retention"], size);
    const ms = parseDurationMs(effective.text);
    if (ms === undefined) return { status: "error", reason: `storage.tsdb.retention.time: expected a Prometheus duration like "15d", saw ${JSON.stringify(time)}`, evidence };
    const measured: Measured = { value: effective.text, unit: "duration", note: `${ms}ms${effective.note ? `; ${effective.note}` : ""}` };
    if (ms === target.value) return { status: "pass", measured, evidence };
    return { status: "fail", measured, evidence, reason: `retention is ${effective.text} (${ms}ms), contract requires == ${formatDuration(target.value)} (${target.value}ms) (${target.source})` };
  });
}

/** `global.scrape_interval` and every scrape job's effective interval == `scrapeInterval.prometheus`. */
export function prometheusScrapeIntervalCheck({ client, contract, clock = systemClock }: PrometheusCheckOptions<"config">): Promise<CheckResult> {
  const target = targetFor(contract, "scrapeInterval.prometheus");
  return runCheck({ id: "config.prometheus.scrape-interval", target, clock }, async () => {
    const { data: yamlText } = await client.config();
    const config = asRecord(parseYaml(yamlText), "the loaded Prometheus config");
    const global = asRecord(config.global ?? {}, "global");
    const globalInterval = String(global.scrape_interval ?? PROMETHEUS_DEFAULT_SCRAPE_INTERVAL);
    const evidence: Evidence[] = [{ kind: "query", text: `GET ${CONFIG_PATH}: global.scrape_interval=${globalInterval}` }];
    const problems: string[] = [];
    const globalMs = parseDurationMs(globalInterval);
    if (globalMs !== target.value) problems.push(`global.scrape_interval is ${globalInterval}`);
    const jobs = Array.isArray(config.scrape_configs) ? config.scrape_configs : [];
    for (const raw of jobs) {
      const job = asRecord(raw, "scrape_configs[]");
      const name = String(job.job_name ?? "(unnamed)");
      const interval = job.scrape_interval === undefined ? globalInterval : String(job.scrape_interval);
      if (interval === globalInterval) continue;
      const exempt = name.startsWith(HARNESS_JOB_PREFIX);
      evidence.push({ kind: "query", text: `job "${name}" scrape_interval=${interval} (global ${globalInterval})${exempt ? ` (exempt: ${HARNESS_JOB_PREFIX}* is a harness instrument)` : ""}` });
      if (!exempt && parseDurationMs(interval) !== target.value) problems.push(`job "${name}" scrapes every ${interval}`);
    }
    const measured: Measured = { value: globalInterval, unit: "duration", note: `${globalMs ?? "unparsable"}ms; ${jobs.length} scrape jobs` };
    if (problems.length === 0) return { status: "pass", measured, evidence };
    return { status: "fail", measured, evidence, reason: `${problems.join("; ")}; contract requires == ${formatDuration(target.value)} (${target.source})` };
  });
}

/** Every contract route reaches a receiver with the channel's config, walking the running routing tree. */
export function alertmanagerRoutesCheck({ client, contract, clock = systemClock }: AlertmanagerCheckOptions): Promise<CheckResult> {
  const routes = requiredRoutes(contract);
  const target: Target = {
    comparator: "==",
    value: routes.map(describeRequiredRoute).join(", "),
    unit: "routes",
    source: `${(routes[0]?.source ?? contract.file).split("#")[0]}#targets.alertRoutes`,
  };
  return runCheck({ id: "config.alertmanager.routes", target, clock }, async () => {
    const { data: status } = await client.status();
    const config = parseAlertmanagerConfig(status.config.original);
    const evidence: Evidence[] = [{ kind: "query", text: `GET ${AM_STATUS_PATH}: config.original (Alertmanager ${status.versionInfo.version})` }];
    const unsatisfied: string[] = [];
    const satisfied: string[] = [];
    for (const route of routes) {
      const receivers = routeAlert(config, { alertname: ROUTE_PROBE_ALERTNAME, ...route.match });
      const reached = receivers.map((name) => `${name} (${receiverConfigKinds(config, name).join(", ") || "no configs"})`).join(", ");
      const labels = formatLabels(route.match);
      evidence.push({ kind: "note", text: `${labels} -> ${reached}` });
      const kind = CHANNEL_CONFIG_KIND[route.channel];
      if (receivers.some((name) => receiverConfigKinds(config, name).includes(kind))) satisfied.push(describeRequiredRoute(route));
      else unsatisfied.push(`${labels} must reach ${kind}, reaches ${reached}`);
    }
    const measured: Measured = { value: satisfied.join(", "), unit: "routes", note: `${satisfied.length} of ${routes.length} required routes satisfied` };
    if (unsatisfied.length === 0) return { status: "pass", measured, evidence };
    return { status: "fail", measured, evidence, reason: `${unsatisfied.length} of ${routes.length} required routes unsatisfied: ${unsatisfied.join("; ")}` };
  });
}

// ---- Alertmanager routing (pure) -----------------------------------------------------------

/** The parts of an Alertmanager config the routing walk reads; other keys pass through untouched. */
export interface AlertmanagerRoute {
  receiver?: string;
  matchers?: string[];
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  continue?: boolean;
  group_wait?: string;
  group_interval?: string;
  routes?: AlertmanagerRoute[];
}
export interface AlertmanagerReceiver { name: string; [configKind: string]: unknown }
export interface AlertmanagerConfig { route: AlertmanagerRoute; receivers?: AlertmanagerReceiver[] }

export const CHANNEL_CONFIG_KIND: Readonly<Record<AlertChannel, string>> = {
  pagerduty: "pagerduty_configs",
  slack: "slack_configs",
  email: "email_configs",
  webhook: "webhook_configs",
};

export function parseAlertmanagerConfig(yamlText: string): AlertmanagerConfig {
  const config = asRecord(parseYaml(yamlText), "the Alertmanager config");
  asRecord(config.route, "route");
  return config as unknown as AlertmanagerConfig;
}

/**
 * Receiver names an alert with `labels` reaches, in order, without duplicates: Alertmanager's
 * `dispatch.Route.Match` (a node matches when all its matchers do; its children are tried in
 * order and the first match stops the walk unless that child has `continue: true`; a node none of
 * whose children match is itself the match; a route without `receiver` inherits its parent's).
 * Ignores time intervals (mute/active), which decide when, not where.
 */
export function routeAlert(config: AlertmanagerConfig, labels: Readonly<Record<string, string>>): string[] {
  const matched = matchRoute(config.route, labels, config.route.receiver ?? "");
  return [...new Set(matched)];
}

function matchRoute(route: AlertmanagerRoute, labels: Readonly<Record<string, string>>, inherited: string): string[] | undefined {
  if (!routeMatchers(route).every((m) => m(labels))) return undefined;
  const receiver = route.receiver ?? inherited;
  const all: string[] = [];
  for (const child of route.routes ?? []) {
    const matches = matchRoute(child, labels, receiver);
    if (matches === undefined) continue;
    all.push(...matches);
    if (child.continue !== true) break;
  }
  return all.length > 0 ? all : [receiver];
}

type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

function routeMatchers(route: AlertmanagerRoute): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  for (const [name, value] of Object.entries(route.match ?? {})) out.push(matcher(name, "=", String(value)));
  for (const [name, value] of Object.entries(route.match_re ?? {})) out.push(matcher(name, "=~", String(value)));
  for (const line of route.matchers ?? []) out.push(...parseMatchers(String(line)).map(({ name, op, value }) => matcher(name, op, value)));
  return out;
}

export interface ParsedMatcher { name: string; op: "=" | "!=" | "=~" | "!~"; value: string }

const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

/** Alertmanager 0.25 `labels.ParseMatchers`: `a="b"`, `{a=~"b|c", d!=e}`; quotes optional, `\"` `\\` `\n` escapes. */
export function parseMatchers(text: string): ParsedMatcher[] {
  const inner = text.replace(/^\{/, "").replace(/\}$/, "");
  const tokens: string[] = [];
  let token = "";
  let insideQuotes = false;
  let escaped = false;
  for (const ch of inner) {
    if (ch === "," && !insideQuotes) { tokens.push(token); token = ""; continue; }
    if (ch === '"') { if (!escaped) insideQuotes = !insideQuotes; else escaped = false; }
    else if (ch === "\\") escaped = !escaped;
    else escaped = false;
    token += ch;
  }
  if (token.trim() !== "") tokens.push(token);
  return tokens.map(parseMatcher);
}

function parseMatcher(text: string): ParsedMatcher {
  const m = MATCHER.exec(text);
  if (!m) throw new SyntaxError(`bad matcher format: ${text}`);
  let raw = m[3]!;
  let expectTrailingQuote = false;
  if (raw.startsWith('"')) { raw = raw.slice(1); expectTrailingQuote = true; }
  let value = "";
  let escaped = false;
  const chars = [...raw];
  for (const [i, ch] of chars.entries()) {
    if (escaped) {
      escaped = false;
      value += ch === "n" ? "\n" : ch === '"' || ch === "\\" ? ch : `\\${ch}`;
      continue;
    }
    if (ch === "\\") {
      if (i < chars.length - 1) escaped = true;
      else value += ch;
    } else if (ch === '"') {
      if (!expectTrailingQuote || i < chars.length - 1) throw new SyntaxError(`matcher value contains unescaped double quote: ${m[3]}`);
      expectTrailingQuote = false;
    } else value += ch;
  }
  if (expectTrailingQuote) throw new SyntaxError(`matcher value contains unescaped double quote: ${m[3]}`);
  return { name: m[1]!, op: m[2] as ParsedMatcher["op"], value };
}

function matcher(name: string, op: ParsedMatcher["op"], value: string): LabelMatcher {
  if (op === "=" || op === "!=") return (labels) => ((labels[name] ?? "") === value) === (op === "=");
  const re = goRegex(value);
  return (labels) => re.test(labels[name] ?? "") === (op === "=~");
}

/** An anchored regex as Alertmanager compiles it (`^(?:re)$`); a leading Go `(?i)` becomes the `i` flag. */
function goRegex(source: string): RegExp {
  const insensitive = source.startsWith("(?i)");
  return new RegExp(`^(?:${insensitive ? source.slice(4) : source})$`, insensitive ? "i" : "");
}

/** `*_configs` keys of a receiver that hold at least one config, e.g. `["webhook_configs"]`. */
export function receiverConfigKinds(config: AlertmanagerConfig, receiver: string): string[] {
  const found = (config.receivers ?? []).find((r) => r.name === receiver);
  if (found === undefined) return [];
  return Object.entries(found).filter(([key, value]) => key.endsWith("_configs") && Array.isArray(value) && value.length > 0).map(([key]) => key);
}

// ---- shared --------------------------------------------------------------------------------

async function runCheck(
  meta: { id: CheckId; target: ContractTarget | Target; clock: Clock },
  body: () => Promise<Outcome>,
): Promise<CheckResult> {
  const { comparator, value, unit, source } = meta.target;
  const started = meta.clock.monotonicMs();
  const startedAt = new Date(meta.clock.nowMs()).toISOString();
  let outcome: Outcome;
  try {
    outcome = await body();
  } catch (error) {
    outcome = { status: "error", reason: error instanceof Error ? error.message : String(error), evidence: [] };
  }
  return {
    id: meta.id,
    title: checkDef(meta.id).title,
    pillar: checkDef(meta.id).pillar,
    target: { comparator, value, unit, source },
    ...outcome,
    startedAt,
    durationMs: meta.clock.monotonicMs() - started,
  };
}

/** `storage.tsdb.retention.time`, else the deprecated `storage.tsdb.retention`, else Prometheus' default when no size limit is set. */
function effectiveRetention(time: string, deprecated: string | undefined, size: string | undefined): { text: string; note?: string } {
  const zero = (v: string | undefined) => v === undefined || v === "" || v === "0s" || v === "0";
  if (!zero(time)) return { text: time };
  if (!zero(deprecated)) return { text: deprecated!, note: "from the deprecated storage.tsdb.retention flag" };
  if (size === undefined || size === "0B" || size === "0") return { text: PROMETHEUS_DEFAULT_RETENTION, note: `flag unset (${time}): Prometheus' default` };
  return { text: "0s", note: `no time-based retention, only storage.tsdb.retention.size=${size}` };
}

const DURATION_UNITS: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]];

/** Milliseconds as a Prometheus duration in d/h/m/s/ms: `1296000000` → `15d`, `90000` → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) { out += `${n}${unit}`; rest -= n * size; }
  }
  return out;
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? "{}" : entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
}

/** `critical->pagerduty`, `pillar=stack,severity=warning->webhook`; a match-all route is just its channel. */
function describeRequiredRoute(route: RequiredRoute): string {
  const entries = Object.entries(route.match);
  if (entries.length === 0) return route.channel;
  const only = entries.length === 1 && entries[0]![0] === "severity";
  return `${only ? entries[0]![1] : entries.map(([k, v]) => `${k}=${v}`).join(",")}->${route.channel}`;
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new TypeError(`${what}: expected a mapping, saw ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`);
  return value as Record<string, unknown>;
}
