import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { alertmanagerManifest, prometheusRulesManifest } from "../alerting-manifest.ts";
import { loadContract, requiredRoutes } from "../contract.ts";
import { matchRoutes, parseAlertmanagerConfig, receiverIntegrations, routeAlert, type AlertmanagerConfig } from "./alertmanager-routing.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");
const AMTOOL = "/usr/bin/amtool";
const amtoolSkip = existsSync(AMTOOL)
  ? undefined
  : `${AMTOOL} not found: install Debian's prometheus-alertmanager package to compare with amtool config routes test`;
if (amtoolSkip) console.log(`skipping the amtool comparison: ${amtoolSkip}`);

/** Receivers `amtool config routes test` prints for `labels` (in tree order, duplicates kept). */
function amtoolRoutes(configFile: string, labels: Readonly<Record<string, string>>): Promise<string[]> {
  const args = ["config", "routes", "test", `--config.file=${configFile}`, ...Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`)];
  return new Promise((resolve, reject) => {
    execFile(AMTOOL, args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`amtool ${args.join(" ")}: ${stderr || error.message}`));
      resolve(stdout.trim().split(","));
    });
  });
}

/** Every combination of the given label values (`undefined`: the label is absent). */
function combinations(values: Record<string, readonly (string | undefined)[]>): Record<string, string>[] {
  return Object.entries(values).reduce<Record<string, string>[]>(
    (sets, [name, options]) => sets.flatMap((set) => options.map((v) => (v === undefined ? set : { ...set, [name]: v }))),
    [{}],
  );
}

// Continue at several depths, a receiver-less route inheriting, match/match_re/matchers, negative
// matchers that also match an absent label, a node whose children all miss, and the same receiver twice.
const TRICKY: AlertmanagerConfig = {
  route: {
    receiver: "root",
    group_by: ["alertname"],
    group_wait: "20s",
    routes: [
      {
        receiver: "team-x",
        matchers: ['team="x"'],
        continue: true,
        group_wait: "5s",
        routes: [
          { receiver: "x-critical", matchers: ['severity="critical"'], continue: true },
          { receiver: "x-actionable", matchers: ['severity=~"critical|warning"'], group_interval: "2m" },
        ],
      },
      { match: { team: "x" }, continue: true },
      { receiver: "api", match_re: { service: "api|web" }, routes: [{ receiver: "api-nonprod", matchers: ['env!="prod"'] }] },
      { receiver: "not-quiet", matchers: ['severity!~"info|none"'], continue: true },
      { receiver: "team-x", matchers: ["env=prod", 'team=~"x|y"'] },
      { receiver: "tail", continue: true },
    ],
  },
  receivers: ["root", "team-x", "x-critical", "x-actionable", "api", "api-nonprod", "not-quiet", "tail"].map((name) => ({
    name,
    webhook_configs: [{ url: `http://127.0.0.1:1/${name}` }],
  })),
};

describe("matchRoutes", () => {
  it("should keep the tree order and duplicates, and stop at the first match without continue", () => {
    expect(matchRoutes(TRICKY, { team: "x", severity: "critical", env: "prod" }).map((r) => r.receiver)).toEqual([
      "x-critical",
      "x-actionable",
      "root",
      "not-quiet",
      "team-x",
    ]);
    expect(routeAlert(TRICKY, { team: "x", severity: "critical", env: "prod" })).toEqual(["x-critical", "x-actionable", "root", "not-quiet", "team-x"]);
    expect(matchRoutes(TRICKY, { service: "web", env: "dev" }).map((r) => r.receiver)).toEqual(["api-nonprod"]);
  });

  it("should make a node whose children all miss the match itself, with its own options", () => {
    const [only, ...rest] = matchRoutes(TRICKY, { team: "x", severity: "info", service: "db" });
    expect(only).toEqual({
      receiver: "team-x",
      path: "route.routes[0]",
      groupBy: ["alertname"],
      groupWaitMs: 5_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 14_400_000,
    });
    expect(rest.map((r) => r.receiver)).toEqual(["root", "tail"]);
  });

  it("should inherit group_wait, group_interval and group_by from the parent, and read `...` as every label", () => {
    expect(matchRoutes(TRICKY, { team: "x", severity: "warning" })[0]).toEqual({
      receiver: "x-actionable",
      path: "route.routes[0].routes[1]",
      groupBy: ["alertname"],
      groupWaitMs: 5_000,
      groupIntervalMs: 120_000,
      repeatIntervalMs: 14_400_000,
    });
    expect(matchRoutes({ route: { receiver: "r", group_by: ["..."] } }, {})).toEqual([
      { receiver: "r", path: "route", groupBy: "all", groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 },
    ]);
  });

  it("should list a receiver's integrations with Alertmanager's send_resolved defaults", () => {
    const config = parseAlertmanagerConfig(
      stringify({
        route: { receiver: "all" },
        receivers: [
          {
            name: "all",
            slack_configs: [{ api_url: "http://x" }],
            webhook_configs: [{ url: "http://y", send_resolved: false }],
            email_configs: [{ to: "a@b" }],
            opsgenie_configs: [{ api_key: "k" }],
          },
        ],
      }),
    );
    expect(receiverIntegrations(config, "all")).toEqual({
      integrations: [
        { receiver: "all", channel: "slack", sendResolved: false },
        { receiver: "all", channel: "email", sendResolved: false },
        { receiver: "all", channel: "webhook", sendResolved: false },
      ],
      others: ["opsgenie_configs"],
    });
  });
});

describe.skipIf(amtoolSkip !== undefined)("matchRoutes agrees with amtool config routes test (Alertmanager 0.25)", () => {
  let dir: string;
  beforeAll(async () => void (dir = await mkdtemp(path.join(tmpdir(), "obsconf-amtool-"))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const agree = async (config: AlertmanagerConfig, configText: string, labelSets: readonly Record<string, string>[]) => {
    const file = path.join(dir, `alertmanager-${labelSets.length}-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(file, configText);
    const disagreements: string[] = [];
    for (const labels of labelSets) {
      const amtool = await amtoolRoutes(file, labels);
      const ours = matchRoutes(config, labels).map((r) => r.receiver);
      if (JSON.stringify(amtool) !== JSON.stringify(ours))
        disagreements.push(`${JSON.stringify(labels)}: amtool ${amtool.join(",")} / matchRoutes ${ours.join(",")}`);
    }
    return disagreements;
  };

  it("should agree on the project's config for every manifest rule, every contract route and a label matrix", async () => {
    const set = await loadManifests(MANIFESTS);
    const am = alertmanagerManifest(set)!;
    const prom = prometheusRulesManifest(set)!;
    const text = set.objects.find((o) => o.object.kind === "ConfigMap" && o.object.metadata.name === "alertmanager-config")!.object.data as Record<
      string,
      string
    >;
    const labelSets = [
      ...prom.rules.map((r) => ({ ...prom.externalLabels, ...r.labels, alertname: r.name })),
      ...requiredRoutes(loadContract()).map((r) => ({ alertname: "ObsconfRouteProbe", ...r.match })),
      ...combinations({ alertname: ["Watchdog", "X"], severity: ["critical", "warning", "none", "info", undefined], pillar: ["stack", "metrics", undefined] }),
    ];
    expect(prom.rules.length).toBeGreaterThan(5);
    expect(await agree(am.config, text["alertmanager.yml"]!, labelSets)).toEqual([]);
  }, 60_000);

  it("should agree on a tree with continue at several depths, inherited receivers and negative matchers", async () => {
    const labelSets = combinations({
      team: ["x", "y", undefined],
      severity: ["critical", "warning", "info", undefined],
      service: ["api", "db", undefined],
      env: ["prod", "dev", undefined],
    });
    expect(labelSets).toHaveLength(108);
    expect(await agree(TRICKY, stringify(TRICKY), labelSets)).toEqual([]);
  }, 120_000);
});
