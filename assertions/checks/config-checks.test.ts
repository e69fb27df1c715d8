import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments, stringify } from "yaml";
import { ManualClock } from "../../common/clock.ts";
import { AlertmanagerClient, type AmStatus } from "../../stack/clients/alertmanager-client.ts";
import { PrometheusClient } from "../../stack/clients/prometheus-client.ts";
import { startLoopbackProcess, stopLoopbackProcess, type LoopbackProcess } from "../../stack/clients/test-loopback-process.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { prometheusRulesManifest } from "../alerting-manifest.ts";
import { loadContract } from "../contract.ts";
import {
  alertmanagerRoutesCheck,
  parseAlertmanagerConfig,
  parseMatchers,
  prometheusRetentionCheck,
  prometheusScrapeIntervalCheck,
  routeAlert,
  type AlertmanagerConfig,
} from "./config-checks.ts";

const contract = loadContract();
const PROMETHEUS_BINARY = "/usr/bin/prometheus";
const ALERTMANAGER_BINARY = "/usr/bin/prometheus-alertmanager";
const missing = (binary: string, pkg: string) =>
  existsSync(binary) ? undefined : `${binary} not found: install Debian's ${pkg} package to run this integration test`;
const prometheusSkip = missing(PROMETHEUS_BINARY, "prometheus");
const alertmanagerSkip = missing(ALERTMANAGER_BINARY, "prometheus-alertmanager");
if (prometheusSkip) console.log(`skipping Prometheus config checks: ${prometheusSkip}`);
if (alertmanagerSkip) console.log(`skipping Alertmanager route checks: ${alertmanagerSkip}`);

// ---- the shipped manifest, read (never restated) -------------------------------------------

const MANIFEST = fileURLToPath(new URL("../../stack/manifests/alertmanager.yaml", import.meta.url));
const SECRETS_DIR = "/etc/alertmanager/secrets/";

function shippedAlertmanager(): { configText: string; secrets: Record<string, string> } {
  const docs = parseAllDocuments(readFileSync(MANIFEST, "utf8")).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string>; stringData?: Record<string, string> },
  );
  const configMap = docs.find((d) => d.kind === "ConfigMap" && d.metadata.name === "alertmanager-config")!;
  const secret = docs.find((d) => d.kind === "Secret" && d.metadata.name === "alertmanager-secrets")!;
  return { configText: configMap.data!["alertmanager.yml"]!, secrets: secret.stringData! };
}

const shipped = shippedAlertmanager();
const shippedConfig = parseAlertmanagerConfig(shipped.configText);

// ---- routeAlert: pure, on the shipped routing tree -----------------------------------------

describe("routeAlert on the shipped Alertmanager config", () => {
  it.each([
    ["the Watchdog only to the dead man's switch", { alertname: "Watchdog", severity: "none" }, ["deadmans-switch"]],
    ["a critical alert to the email summary (continue) and PagerDuty", { alertname: "X", severity: "critical" }, ["email-summary", "pagerduty"]],
    ["a warning to the email summary (continue) and Slack", { alertname: "X", severity: "warning" }, ["email-summary", "slack"]],
    [
      "a critical stack alert through both continue routes to PagerDuty",
      { alertname: "X", severity: "critical", pillar: "stack" },
      ["email-summary", "webhook", "pagerduty"],
    ],
    ["a stack alert without severity to the webhook only (a continue match still counts as a match)", { alertname: "X", pillar: "stack" }, ["webhook"]],
    ["an alert no child matches to the root receiver", { alertname: "X", severity: "info" }, ["slack"]],
    ["a Watchdog with the wrong severity like any critical alert", { alertname: "Watchdog", severity: "critical" }, ["email-summary", "pagerduty"]],
  ])("should route %s", (_what, labels, receivers) => {
    expect(routeAlert(shippedConfig, labels)).toEqual(receivers);
  });

  it("should stop at the first matching child without continue, and inherit the parent's receiver", () => {
    const config: AlertmanagerConfig = {
      route: {
        receiver: "root",
        routes: [
          { receiver: "first", match: { team: "a" } },
          { receiver: "second", match: { team: "a" } },
          { match_re: { team: "b|c" }, routes: [{ receiver: "nested", matchers: ['env!~"prod.*"'] }] },
        ],
      },
    };
    expect(routeAlert(config, { team: "a" })).toEqual(["first"]);
    expect(routeAlert(config, { team: "b", env: "dev" })).toEqual(["nested"]);
    expect(routeAlert(config, { team: "c", env: "prod-eu" })).toEqual(["root"]);
    expect(routeAlert(config, { team: "bc" })).toEqual(["root"]);
  });
});

describe("parseMatchers", () => {
  it("should parse quoted, unquoted, braced and comma-separated matchers with escapes", () => {
    expect(parseMatchers('{a="x,y", b!~c.*, c=~"\\"q\\"", d != ""}')).toEqual([
      { name: "a", op: "=", value: "x,y" },
      { name: "b", op: "!~", value: "c.*" },
      { name: "c", op: "=~", value: '"q"' },
      { name: "d", op: "!=", value: "" },
    ]);
  });

  it("should reject a bad matcher with Alertmanager's text", () => {
    expect(() => parseMatchers("severity")).toThrow("bad matcher format: severity");
    expect(() => parseMatchers('a="b"c"')).toThrow('matcher value contains unescaped double quote: "b"c"');
  });
});

// ---- checks as data, with fake clients -----------------------------------------------------

const clock = new ManualClock(Date.parse("2026-01-02T03:04:05.000Z"));
const flagsClient = (flags: Record<string, string>) => ({ flags: async () => ({ data: flags, durationMs: 1, warnings: [] }) });
const configClient = (yaml: string) => ({ config: async () => ({ data: yaml, durationMs: 1, warnings: [] }) });

describe("config checks with fake clients", () => {
  it("should pass a retention Prometheus prints as 2w1d", async () => {
    const result = await prometheusRetentionCheck({
      client: flagsClient({ "storage.tsdb.retention.time": "2w1d", "storage.tsdb.retention.size": "0B" }),
      contract,
      clock,
    });
    expect(result).toEqual({
      id: "config.prometheus.retention",
      title: "Prometheus retention",
      pillar: "config",
      status: "pass",
      target: { comparator: "==", value: 1_296_000_000, unit: "ms", source: "assertions/contract.yaml#targets.retention.prometheus" },
      measured: { value: "2w1d", unit: "duration", note: "1296000000ms" },
      evidence: [{ kind: "query", text: "GET /api/v1/status/flags: storage.tsdb.retention.time=2w1d storage.tsdb.retention.size=0B" }],
      startedAt: "2026-01-02T03:04:05.000Z",
      durationMs: 0,
    });
  });

  it("should take Prometheus' 15d default when no retention flag is set", async () => {
    const result = await prometheusRetentionCheck({
      client: flagsClient({ "storage.tsdb.retention.time": "0s", "storage.tsdb.retention": "0s", "storage.tsdb.retention.size": "0B" }),
      contract,
      clock,
    });
    expect(result.status).toBe("pass");
    expect(result.measured).toEqual({ value: "15d", unit: "duration", note: "1296000000ms; flag unset (0s): Prometheus' default" });
  });

  it("should be unsupported where the flags API answers {} (Mimir)", async () => {
    const result = await prometheusRetentionCheck({ client: flagsClient({}), contract, clock });
    expect(result.status).toBe("unsupported");
    expect(result.reason).toBe("/api/v1/status/flags has no storage.tsdb.retention.time flag (Mimir answers {}); retention cannot be read here");
  });

  it("should fail a job that overrides the scrape interval, but exempt obsconf- instruments", async () => {
    const yaml = [
      "global: { scrape_interval: 30s }",
      "scrape_configs:",
      "  - { job_name: a, scrape_interval: 30s }",
      "  - { job_name: fast, scrape_interval: 15s }",
      "  - { job_name: obsconf-canary, scrape_interval: 1s }",
    ].join("\n");
    const result = await prometheusScrapeIntervalCheck({ client: configClient(yaml), contract, clock });
    expect(result.status).toBe("fail");
    expect(result.reason).toBe('job "fast" scrapes every 15s; contract requires == 30s (assertions/contract.yaml#targets.scrapeInterval.prometheus)');
    expect(result.evidence.map((e) => e.text)).toEqual([
      "GET /api/v1/status/config: global.scrape_interval=30s",
      'job "fast" scrape_interval=15s (global 30s)',
      'job "obsconf-canary" scrape_interval=1s (global 30s) (exempt: obsconf-* is a harness instrument)',
    ]);
  });

  it("should turn a client failure into status error with the error text", async () => {
    const client = {
      status: async (): Promise<{ data: AmStatus; durationMs: number }> => {
        throw new Error("alertmanager status() GET http://127.0.0.1:1/api/v2/status failed: connect ECONNREFUSED 127.0.0.1:1");
      },
    };
    const result = await alertmanagerRoutesCheck({ client, contract, clock });
    expect(result).toMatchObject({
      id: "config.alertmanager.routes",
      status: "error",
      reason: "alertmanager status() GET http://127.0.0.1:1/api/v2/status failed: connect ECONNREFUSED 127.0.0.1:1",
      target: {
        comparator: "==",
        value: "critical->pagerduty, warning->slack, critical->email, pillar=stack,severity=warning->webhook",
        unit: "routes",
        source: "assertions/contract.yaml#targets.alertRoutes",
      },
      evidence: [],
    });
  });
});

// ---- real processes ------------------------------------------------------------------------

function startPrometheus({ retention, scrapeInterval }: { retention: string; scrapeInterval: string }): Promise<LoopbackProcess> {
  const config = [
    "global:",
    `  scrape_interval: ${scrapeInterval}`,
    "scrape_configs:",
    "  - job_name: prometheus",
    "    static_configs: [{ targets: ['127.0.0.1:9'] }]",
    "  - job_name: obsconf-canary",
    "    scrape_interval: 1s",
    "    static_configs: [{ targets: ['127.0.0.1:9'] }]",
    "",
  ].join("\n");
  return startLoopbackProcess({
    binary: PROMETHEUS_BINARY,
    files: () => ({ "prometheus.yml": config }),
    args: (dir, listen) => [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=${listen}`,
      `--storage.tsdb.retention.time=${retention}`,
    ],
  });
}

describe.skipIf(prometheusSkip !== undefined)("Prometheus config checks against a real Prometheus 2.42", () => {
  const started: LoopbackProcess[] = [];
  const clients: PrometheusClient[] = [];
  let documented: PrometheusClient;
  let drifted: PrometheusClient;
  beforeAll(async () => {
    for (const flags of [
      { retention: "15d", scrapeInterval: "30s" },
      { retention: "1d", scrapeInterval: "15s" },
    ]) {
      const running = await startPrometheus(flags);
      started.push(running);
      clients.push(new PrometheusClient({ baseUrl: running.baseUrl }));
    }
    [documented, drifted] = clients as [PrometheusClient, PrometheusClient];
  }, 70_000);
  afterAll(async () => {
    for (const client of clients) await client.close();
    for (const running of started) await stopLoopbackProcess(running);
  });

  it("should pass retention 15d", async () => {
    const result = await prometheusRetentionCheck({ client: documented, contract });
    expect(result.status).toBe("pass");
    expect(result.measured).toEqual({ value: "15d", unit: "duration", note: "1296000000ms" });
  });

  it("should fail retention 1d, with the flag values as evidence (negative control)", async () => {
    const result = await prometheusRetentionCheck({ client: drifted, contract });
    expect(result.status).toBe("fail");
    expect(result.reason).toBe("retention is 1d (86400000ms), contract requires == 15d (1296000000ms) (assertions/contract.yaml#targets.retention.prometheus)");
    expect(result.measured).toEqual({ value: "1d", unit: "duration", note: "86400000ms" });
    expect(result.evidence).toEqual([{ kind: "query", text: "GET /api/v1/status/flags: storage.tsdb.retention.time=1d storage.tsdb.retention.size=0B" }]);
  });

  it("should pass a 30s scrape interval, exempting the obsconf- instrument job", async () => {
    const result = await prometheusScrapeIntervalCheck({ client: documented, contract });
    expect(result.status).toBe("pass");
    expect(result.evidence.map((e) => e.text)).toEqual([
      "GET /api/v1/status/config: global.scrape_interval=30s",
      'job "obsconf-canary" scrape_interval=1s (global 30s) (exempt: obsconf-* is a harness instrument)',
    ]);
  });

  it("should fail a 15s scrape interval", async () => {
    const result = await prometheusScrapeIntervalCheck({ client: drifted, contract });
    expect(result.status).toBe("fail");
    expect(result.reason).toBe("global.scrape_interval is 15s; contract requires == 30s (assertions/contract.yaml#targets.scrapeInterval.prometheus)");
    expect(result.measured).toEqual({ value: "15s", unit: "duration", note: "15000ms; 2 scrape jobs" });
  });
});

/** The config with its `/etc/alertmanager/secrets/` paths pointed into `dir`, where the manifest Secret's values are written. */
function startAlertmanager(configText: string): Promise<LoopbackProcess> {
  return startLoopbackProcess({
    binary: ALERTMANAGER_BINARY,
    files: (dir) => ({
      "alertmanager.yml": configText.replaceAll(SECRETS_DIR, `${join(dir, "secrets")}/`),
      ...Object.fromEntries(Object.entries(shipped.secrets).map(([name, value]) => [`secrets/${name}`, value])),
    }),
    args: (dir, listen) => [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=${listen}`,
      "--cluster.listen-address=",
    ],
  });
}

describe.skipIf(alertmanagerSkip !== undefined)("Alertmanager route check against a real Alertmanager 0.25", () => {
  const started: LoopbackProcess[] = [];
  const clients: AlertmanagerClient[] = [];
  const start = async (configText: string) => {
    const running = await startAlertmanager(configText);
    started.push(running);
    const client = new AlertmanagerClient({ baseUrl: running.baseUrl });
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    for (const client of clients) await client.close();
    for (const running of started) await stopLoopbackProcess(running);
  });

  it("should pass the shipped config: every required route reaches its channel", async () => {
    const client = await start(shipped.configText);
    const result = await alertmanagerRoutesCheck({ client, contract });
    expect(result).toMatchObject({
      id: "config.alertmanager.routes",
      title: "Alertmanager routes",
      pillar: "config",
      status: "pass",
      target: { comparator: "==", unit: "routes", source: "assertions/contract.yaml#targets.alertRoutes" },
      measured: { unit: "routes", note: "4 of 4 required routes satisfied" },
    });
    expect(result.reason).toBeUndefined();
    expect(result.evidence.map((e) => e.text)).toEqual(EXPECTED_SHIPPED_EVIDENCE);
  });

  it("should fail, naming the route, when the stack's alerts no longer reach the webhook (negative control)", async () => {
    const client = await start(
      editShipped((routes) => {
        routes.splice(routes.indexOf(routeTo(routes, "webhook")), 1);
      }),
    );
    const result = await alertmanagerRoutesCheck({ client, contract });
    expect(result.status).toBe("fail");
    expect(result.reason).toBe(EXPECTED_NO_WEBHOOK_REASON);
  });

  it('should fail, naming severity="critical", when critical alerts go to Slack (negative control)', async () => {
    const client = await start(
      editShipped((routes) => {
        routeTo(routes, "pagerduty").receiver = "slack";
      }),
    );
    const result = await alertmanagerRoutesCheck({ client, contract });
    expect(result.status).toBe("fail");
    expect(result.reason).toBe(EXPECTED_CRITICAL_TO_SLACK_REASON);
  });
});

// ---- every alerting rule of the manifests, routed with its static labels ------------------------

describe("Alertmanager route check per alerting rule of the manifests", () => {
  const statusClient = (original: string) => ({
    status: async () => ({ data: { config: { original }, versionInfo: { version: "0.25.0" } } as unknown as AmStatus, durationMs: 1 }),
  });
  const rulesOf = async () => {
    const prom = prometheusRulesManifest(await loadManifests(fileURLToPath(new URL("../../stack/manifests", import.meta.url))))!;
    return { rules: prom.rules, externalLabels: prom.externalLabels };
  };

  it("should route every rule of the shipped manifests to the contract routes its labels call for", async () => {
    const result = await alertmanagerRoutesCheck({ client: statusClient(shipped.configText), contract, clock, rules: await rulesOf() });
    expect(result.status).toBe("pass");
    expect(result.measured?.note).toBe("4 of 4 required routes satisfied; 11 alerting rules of the manifests routed, 0 miss a contract route");
    expect(result.evidence.map((e) => e.text)).toContain(
      'rule TargetDown (stack-health.rules.yml; severity="warning", pillar="stack") -> email-summary (email_configs), webhook (webhook_configs), slack (slack_configs): warning->slack reached, pillar=stack,severity=warning->webhook reached',
    );
    expect(result.evidence.map((e) => e.text)).toContain(
      'rule Watchdog (stack-health.rules.yml; severity="none", pillar="stack") -> deadmans-switch (webhook_configs): no contract route applies',
    );
  });

  it("should fail, naming the rules, when the stack route stops continuing: the contract's probes still pass (negative control)", async () => {
    const configText = editShipped((routes) => void delete (routeTo(routes, "webhook") as { continue?: boolean }).continue);
    // Without the rules, only the contract's four label sets are walked: they still all pass.
    expect((await alertmanagerRoutesCheck({ client: statusClient(configText), contract, clock })).status).toBe("pass");
    const result = await alertmanagerRoutesCheck({ client: statusClient(configText), contract, clock, rules: await rulesOf() });
    expect(result.status).toBe("fail");
    expect(result.reason).toBe(
      "3 alerting rule routes missed: " +
        'rule TargetDown (stack-health.rules.yml; severity="warning", pillar="stack") must reach slack_configs (contract route warning->slack), reaches email-summary (email_configs), webhook (webhook_configs); ' +
        'rule PrometheusRuleEvaluationFailures (stack-health.rules.yml; severity="critical", pillar="stack") must reach pagerduty_configs (contract route critical->pagerduty), reaches email-summary (email_configs), webhook (webhook_configs); ' +
        'rule AlertmanagerNotificationsFailing (stack-health.rules.yml; severity="warning", pillar="stack") must reach slack_configs (contract route warning->slack), reaches email-summary (email_configs), webhook (webhook_configs)',
    );
  });
});

type RouteNode = { receiver?: string; matchers?: string[] };
function routeTo(routes: RouteNode[], receiver: string): RouteNode {
  return routes.find((r) => r.receiver === receiver)!;
}

/** The shipped config with its top-level child routes edited: a test variant, the manifest stays as shipped. */
function editShipped(edit: (routes: RouteNode[]) => void): string {
  const config = parseYaml(shipped.configText) as { route: { routes: RouteNode[] } };
  edit(config.route.routes);
  return stringify(config);
}

// One line per required route of assertions/contract.yaml: the labels and the receivers they reach.
const EXPECTED_SHIPPED_EVIDENCE = [
  "GET /api/v2/status: config.original (Alertmanager 0.25.0)",
  'severity="critical" -> email-summary (email_configs), pagerduty (pagerduty_configs)',
  'severity="warning" -> email-summary (email_configs), slack (slack_configs)',
  'severity="critical" -> email-summary (email_configs), pagerduty (pagerduty_configs)',
  'pillar="stack", severity="warning" -> email-summary (email_configs), webhook (webhook_configs), slack (slack_configs)',
];
const EXPECTED_NO_WEBHOOK_REASON =
  '1 of 4 required routes unsatisfied: pillar="stack", severity="warning" must reach webhook_configs, reaches email-summary (email_configs), slack (slack_configs)';
const EXPECTED_CRITICAL_TO_SLACK_REASON =
  '1 of 4 required routes unsatisfied: severity="critical" must reach pagerduty_configs, reaches email-summary (email_configs), slack (slack_configs)';
