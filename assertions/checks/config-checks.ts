import { parse as parseYaml } from "yaml";
import { systemClock, type Clock } from "../../common/clock.ts";
import { parseDurationMs } from "../../common/duration.ts";
import type { AlertmanagerClient } from "../../stack/clients/alertmanager-client.ts";
import type { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import type { ManifestAlertRule } from "../alerting-manifest.ts";
import { CHANNEL_CONFIG_KIND, parseAlertmanagerConfig, receiverConfigKinds, routeAlert } from "./alertmanager-routing.ts";
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
    const evidence: Evidence[] = [
      { kind: "query", text: `GET ${FLAGS_PATH}: storage.tsdb.retention.time=${time ?? "(absent)"} storage.tsdb.retention.size=${size ?? "(absent)"}` },
    ];
    if (time === undefined) {
      return {
        status: "unsupported",
        reason: `${FLAGS_PATH} has no storage.tsdb.retention.time flag (Mimir answers {}); retention cannot be read here`,
        evidence,
      };
    }
    const effective = effectiveRetention(time, flags["storage.tsdb.retention"], size);
    const ms = parseDurationMs(effective.text);
    if (ms === undefined)
      return { status: "error", reason: `storage.tsdb.retention.time: expected a Prometheus duration like "15d", saw ${JSON.stringify(time)}`, evidence };
    const measured: Measured = { value: effective.text, unit: "duration", note: `${ms}ms${effective.note ? `; ${effective.note}` : ""}` };
    if (ms === target.value) return { status: "pass", measured, evidence };
    return {
      status: "fail",
      measured,
      evidence,
      reason: `retention is ${effective.text} (${ms}ms), contract requires == ${formatDuration(target.value)} (${target.value}ms) (${target.source})`,
    };
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
      evidence.push({
        kind: "query",
        text: `job "${name}" scrape_interval=${interval} (global ${globalInterval})${exempt ? ` (exempt: ${HARNESS_JOB_PREFIX}* is a harness instrument)` : ""}`,
      });
      if (!exempt && parseDurationMs(interval) !== target.value) problems.push(`job "${name}" scrapes every ${interval}`);
    }
    const measured: Measured = { value: globalInterval, unit: "duration", note: `${globalMs ?? "unparsable"}ms; ${jobs.length} scrape jobs` };
    if (problems.length === 0) return { status: "pass", measured, evidence };
    return { status: "fail", measured, evidence, reason: `${problems.join("; ")}; contract requires == ${formatDuration(target.value)} (${target.source})` };
  });
}

/** The manifests' alerting rules the routes check routes one by one (see alerting-manifest.ts). */
export interface RulesToRoute {
  rules: readonly ManifestAlertRule[];
  /** Prometheus' `global.external_labels`: every alert carries them unless a rule sets the label. */
  externalLabels: Readonly<Record<string, string>>;
}

/**
 * Every contract route reaches a receiver with the channel's config, walking the running routing tree;
 * and, given the manifests' alerting rules, every rule is routed with its static labels: a rule that a
 * contract route applies to (its labels include the route's match) must reach that route's channel.
 */
export function alertmanagerRoutesCheck({
  client,
  contract,
  clock = systemClock,
  rules,
}: AlertmanagerCheckOptions & { rules?: RulesToRoute }): Promise<CheckResult> {
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
    const reaches = (receivers: readonly string[], route: RequiredRoute) =>
      receivers.some((name) => receiverConfigKinds(config, name).includes(CHANNEL_CONFIG_KIND[route.channel]));
    const describeReached = (receivers: readonly string[]) =>
      receivers.map((name) => `${name} (${receiverConfigKinds(config, name).join(", ") || "no configs"})`).join(", ");
    for (const route of routes) {
      const receivers = routeAlert(config, { alertname: ROUTE_PROBE_ALERTNAME, ...route.match });
      const reached = describeReached(receivers);
      const labels = formatLabels(route.match);
      evidence.push({ kind: "note", text: `${labels} -> ${reached}` });
      if (reaches(receivers, route)) satisfied.push(describeRequiredRoute(route));
      else unsatisfied.push(`${labels} must reach ${CHANNEL_CONFIG_KIND[route.channel]}, reaches ${reached}`);
    }
    const missedByRules: string[] = [];
    for (const rule of rules?.rules ?? []) {
      const labels: Record<string, string> = { ...rules!.externalLabels, ...rule.labels, alertname: rule.name };
      const receivers = routeAlert(config, labels);
      const applicable = routes.filter((route) => Object.entries(route.match).every(([k, v]) => labels[k] === v));
      const verdicts = applicable.map((route) => ({ route, ok: reaches(receivers, route) }));
      const what = `rule ${rule.name} (${rule.file}; ${formatLabels(rule.labels)})`;
      const routeWord = (ok: boolean) => (ok ? "reached" : "NOT reached");
      evidence.push({
        kind: "note",
        text: `${what} -> ${describeReached(receivers)}: ${verdicts.length === 0 ? "no contract route applies" : verdicts.map((v) => `${describeRequiredRoute(v.route)} ${routeWord(v.ok)}`).join(", ")}`,
      });
      for (const v of verdicts.filter((x) => !x.ok))
        missedByRules.push(
          `${what} must reach ${CHANNEL_CONFIG_KIND[v.route.channel]} (contract route ${describeRequiredRoute(v.route)}), reaches ${describeReached(receivers)}`,
        );
    }
    const ruleNote = rules ? `; ${rules.rules.length} alerting rules of the manifests routed, ${missedByRules.length} miss a contract route` : "";
    const measured: Measured = {
      value: satisfied.join(", "),
      unit: "routes",
      note: `${satisfied.length} of ${routes.length} required routes satisfied${ruleNote}`,
    };
    if (unsatisfied.length === 0 && missedByRules.length === 0) return { status: "pass", measured, evidence };
    const reasons = [
      ...(unsatisfied.length ? [`${unsatisfied.length} of ${routes.length} required routes unsatisfied: ${unsatisfied.join("; ")}`] : []),
      ...(missedByRules.length
        ? [`${missedByRules.length} alerting rule route${missedByRules.length === 1 ? "" : "s"} missed: ${missedByRules.join("; ")}`]
        : []),
    ];
    return { status: "fail", measured, evidence, reason: reasons.join("; ") };
  });
}

// ---- Alertmanager routing (pure): see alertmanager-routing.ts --------------------------------

export {
  CHANNEL_CONFIG_KIND,
  matchRoutes,
  parseAlertmanagerConfig,
  parseMatchers,
  receiverConfigKinds,
  routeAlert,
  type AlertmanagerConfig,
  type AlertmanagerReceiver,
  type AlertmanagerRoute,
  type MatchedRoute,
  type ParsedMatcher,
} from "./alertmanager-routing.ts";

// ---- shared --------------------------------------------------------------------------------

async function runCheck(meta: { id: CheckId; target: ContractTarget | Target; clock: Clock }, body: () => Promise<Outcome>): Promise<CheckResult> {
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

const DURATION_UNITS: [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/** Milliseconds as a Prometheus duration in d/h/m/s/ms: `1296000000` → `15d`, `90000` → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
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
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new TypeError(`${what}: expected a mapping, saw ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`);
  return value as Record<string, unknown>;
}
