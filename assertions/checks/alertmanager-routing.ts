import { parse as parseYaml } from "yaml";
import { parseDurationMs } from "../../common/duration.ts";
import type { AlertChannel } from "../alert-sink/notification.ts";

/**
 * Alertmanager's routing, pure: where an alert with given labels goes (`dispatch.Route.Match`, as
 * `amtool config routes test` prints it), with each matched route's inherited timing and grouping.
 */

/** The parts of an Alertmanager config the routing walk reads; other keys pass through untouched. */
export interface AlertmanagerRoute {
  receiver?: string;
  matchers?: string[];
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  continue?: boolean;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: AlertmanagerRoute[];
}
export interface AlertmanagerReceiver {
  name: string;
  [configKind: string]: unknown;
}
export interface AlertmanagerConfig {
  global?: Record<string, unknown>;
  route: AlertmanagerRoute;
  receivers?: AlertmanagerReceiver[];
}

/** One route an alert matched, with the options it has after inheritance (Alertmanager's defaults at the root). */
export interface MatchedRoute {
  receiver: string;
  /** Where the route is in the config, e.g. `route.routes[2]`. */
  path: string;
  /** Label names the route groups by; `all` for `...`. */
  groupBy: readonly string[] | "all";
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/** Alertmanager's defaults for the root route (`config.DefaultRouteOpts`). */
export const ROUTE_DEFAULTS = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3_600_000 } as const;

export const CHANNEL_CONFIG_KIND: Readonly<Record<AlertChannel, string>> = {
  pagerduty: "pagerduty_configs",
  slack: "slack_configs",
  email: "email_configs",
  webhook: "webhook_configs",
};

/** `send_resolved` when a config does not set it (Alertmanager's `Default*Config`). */
const SEND_RESOLVED_DEFAULT: Readonly<Record<AlertChannel, boolean>> = { pagerduty: true, slack: false, email: false, webhook: true };

export function parseAlertmanagerConfig(yamlText: string): AlertmanagerConfig {
  const config = asRecord(parseYaml(yamlText), "the Alertmanager config");
  asRecord(config.route, "route");
  return config as unknown as AlertmanagerConfig;
}

/**
 * Every route an alert with `labels` matches, in tree order, duplicates kept (what `amtool config routes
 * test` prints): a node matches when all its matchers do; its children are tried in order and the first
 * match stops the walk unless that child has `continue: true`; a node none of whose children match is
 * itself the match. Receiver, grouping and timings are inherited from the parent. Ignores time intervals
 * (mute/active), which decide when, not where.
 */
export function matchRoutes(config: AlertmanagerConfig, labels: Readonly<Record<string, string>>): MatchedRoute[] {
  const root = config.route;
  const inherited: MatchedRoute = {
    receiver: root.receiver ?? "",
    path: "route",
    groupBy: [],
    ...ROUTE_DEFAULTS,
  };
  return matchRoute(root, labels, inherited, "route") ?? [];
}

/** Receiver names an alert with `labels` reaches, in order, without duplicates. */
export function routeAlert(config: AlertmanagerConfig, labels: Readonly<Record<string, string>>): string[] {
  return [...new Set(matchRoutes(config, labels).map((r) => r.receiver))];
}

function matchRoute(route: AlertmanagerRoute, labels: Readonly<Record<string, string>>, parent: MatchedRoute, path: string): MatchedRoute[] | undefined {
  if (!routeMatchers(route).every((m) => m(labels))) return undefined;
  const own: MatchedRoute = {
    receiver: route.receiver ?? parent.receiver,
    path,
    groupBy: route.group_by === undefined ? parent.groupBy : route.group_by.includes("...") ? "all" : route.group_by.map(String),
    groupWaitMs: durationOr(route.group_wait, parent.groupWaitMs),
    groupIntervalMs: durationOr(route.group_interval, parent.groupIntervalMs),
    repeatIntervalMs: durationOr(route.repeat_interval, parent.repeatIntervalMs),
  };
  const all: MatchedRoute[] = [];
  for (const [i, child] of (route.routes ?? []).entries()) {
    const matches = matchRoute(child, labels, own, `${path}.routes[${i}]`);
    if (matches === undefined) continue;
    all.push(...matches);
    if (child.continue !== true) break;
  }
  return all.length > 0 ? all : [own];
}

const durationOr = (text: string | undefined, inherited: number) => (text === undefined ? inherited : (parseDurationMs(String(text)) ?? inherited));

type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

function routeMatchers(route: AlertmanagerRoute): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  for (const [name, value] of Object.entries(route.match ?? {})) out.push(matcher(name, "=", String(value)));
  for (const [name, value] of Object.entries(route.match_re ?? {})) out.push(matcher(name, "=~", String(value)));
  for (const line of route.matchers ?? []) out.push(...parseMatchers(String(line)).map(({ name, op, value }) => matcher(name, op, value)));
  return out;
}

export interface ParsedMatcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

/** Alertmanager 0.25 `labels.ParseMatchers`: `a="b"`, `{a=~"b|c", d!=e}`; quotes optional, `\"` `\\` `\n` escapes. */
export function parseMatchers(text: string): ParsedMatcher[] {
  const inner = text.replace(/^\{/, "").replace(/\}$/, "");
  const tokens: string[] = [];
  let token = "";
  let insideQuotes = false;
  let escaped = false;
  for (const ch of inner) {
    if (ch === "," && !insideQuotes) {
      tokens.push(token);
      token = "";
      continue;
    }
    if (ch === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (ch === "\\") escaped = !escaped;
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
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectTrailingQuote = true;
  }
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
  return Object.entries(found)
    .filter(([key, value]) => key.endsWith("_configs") && Array.isArray(value) && value.length > 0)
    .map(([key]) => key);
}

/** One integration of a receiver the sinks can tell apart: a channel, and whether it sends resolves. */
export interface ReceiverIntegration {
  receiver: string;
  channel: AlertChannel;
  sendResolved: boolean;
}

/**
 * The integrations of a receiver the harness's sinks speak (one per channel, resolves sent when any of
 * that channel's configs sends them). Integrations the sinks do not speak (opsgenie, ...) are `others`.
 */
export function receiverIntegrations(config: AlertmanagerConfig, receiver: string): { integrations: ReceiverIntegration[]; others: string[] } {
  const found = (config.receivers ?? []).find((r) => r.name === receiver);
  const integrations: ReceiverIntegration[] = [];
  const known = new Set(Object.values(CHANNEL_CONFIG_KIND));
  for (const [channel, kind] of Object.entries(CHANNEL_CONFIG_KIND) as [AlertChannel, string][]) {
    const configs = found?.[kind];
    if (!Array.isArray(configs) || configs.length === 0) continue;
    const sendResolved = configs.some((c) => ((c as { send_resolved?: unknown }).send_resolved ?? SEND_RESOLVED_DEFAULT[channel]) === true);
    integrations.push({ receiver, channel, sendResolved });
  }
  return { integrations, others: receiverConfigKinds(config, receiver).filter((k) => !known.has(k)) };
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new TypeError(`${what}: expected a mapping, saw ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`);
  return value as Record<string, unknown>;
}
