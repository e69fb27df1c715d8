import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../assertions/run-result.ts";
import { runConformance, type ConformanceOptions } from "../conformance/run-conformance.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");
const CONTRACT = path.resolve(import.meta.dirname, "../../assertions/contract.yaml");
const binaries = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager"];
const skip = !binaries.every((b) => existsSync(b));
if (skip)
  console.warn(
    `skipping alert negative controls: ${binaries.filter((b) => !existsSync(b)).join(", ")} not installed (apt-get install prometheus prometheus-alertmanager)`,
  );

/**
 * The alert checks against the real Prometheus and Alertmanager, each broken through a runtime override
 * (the manifests on disk stay as shipped, so where each alert must land is still computed from them).
 */
// Concurrent: each control runs its own stack on ports the OS gives, and mostly waits (alert windows).
describe.skipIf(skip).concurrent("alert check negative controls (real Prometheus and Alertmanager)", () => {
  let runsDir: string;
  beforeAll(async () => void (runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-alert-negative-"))));
  afterAll(async () => rm(runsDir, { recursive: true, force: true }));
  const run = (extra: Partial<ConformanceOptions>) =>
    runConformance({ runtime: { runtime: "local", reason: "test" }, profile: "ci", manifestsDir: MANIFESTS, runsDir, ...extra });
  const byId = (checks: readonly CheckResult[], id: string) => checks.find((c) => c.id === id)!;

  it("should fail the dead man's switch when the Watchdog goes to the stack's other webhook receiver, and the PagerDuty and email routes when HighErrorRate also reaches the webhook; a probe exercises a route no rule carries", async () => {
    // A contract with one more route than any triggerable rule's labels carry: a probe exercises it.
    const contractFile = path.join(runsDir, "contract-with-team-route.yaml");
    const contract = readFileSync(CONTRACT, "utf8").replace(
      "  alertRoutes:\n",
      '  alertRoutes:\n    - match: { severity: warning, team: payments }\n      channel: slack\n      seed: "Components / 5. Alerting (Alertmanager) / Multi-channel Alerts: Slack for team notifications"\n',
    );
    await writeFile(contractFile, contract);
    const result = await run({
      contractFile,
      only: ["alerts."],
      overrides: [
        {
          component: "alertmanager",
          describe: "the Watchdog routed to the stack webhook (a webhook receiver like its own); the stack webhook also takes metrics alerts",
          file: {
            path: "/etc/alertmanager/alertmanager.yml",
            transform: (text) => text.replace("- receiver: deadmans-switch", "- receiver: webhook").replace('- pillar="stack"', '- pillar=~"stack|metrics"'),
          },
        },
      ],
    });
    const deadman = byId(result.checks, "alerts.deadmans-switch");
    expect(deadman.status).toBe("fail");
    // The check it replaces passed here: the Watchdog did reach "a webhook receiver".
    expect(deadman.reason).toBe(
      "Watchdog reached webhook/webhook, which the route tree does not give it (exactly deadmans-switch/webhook); no Watchdog reached deadmans-switch/webhook during the run",
    );
    for (const id of ["alerts.delivery.pagerduty", "alerts.delivery.email"]) {
      const check = byId(result.checks, id);
      expect(check.status).toBe("fail");
      expect(check.reason).toBe(
        "HighErrorRate also reached webhook/webhook, which the route tree does not give it (exactly email-summary/email, pagerduty/pagerduty)",
      );
    }
    const slack = byId(result.checks, "alerts.delivery.slack");
    expect(slack.status).toBe("pass");
    expect(slack.measured?.note).toMatch(/^severity=warning,team=payments->slack by ObsconfRouteProbe1, warning->slack by TargetDown; /);
    expect(slack.evidence.map((e) => e.text)).toContain(
      "the manifest's route tree gives ObsconfRouteProbe1 exactly: email-summary/email (route.routes[1], group_wait 60s), slack/slack (route.routes[4], group_wait 10s)",
    );
    expect(byId(result.checks, "alerts.delivery.webhook").status).toBe("pass");
    expect(result.verdict).toBe("fail");
  }, 360_000);

  it("should fail every alert check naming its rule when rule_files matches nothing", async () => {
    const result = await run({
      only: ["alerts."],
      overrides: [
        {
          component: "prometheus",
          describe: "rule_files matches no file",
          file: {
            path: "/etc/prometheus/prometheus.yml",
            transform: (text) => text.replace("- /etc/prometheus/rules/*.yml", "- /etc/prometheus/rules/*.nomatch"),
          },
        },
      ],
    });
    const loaded = "/api/v1/rules lists 0 alerting rules";
    expect(byId(result.checks, "alerts.delivery.pagerduty")).toMatchObject({
      status: "fail",
      reason: `route critical->pagerduty: the running Prometheus has no alerting rule HighErrorRate (written in stack/manifests/prometheus.yaml (ConfigMap prometheus-rules, key seed.rules.yml), group seed-application); ${loaded}`,
    });
    expect(byId(result.checks, "alerts.delivery.slack").reason).toBe(
      `route warning->slack: the running Prometheus has no alerting rule TargetDown (written in stack/manifests/prometheus.yaml (ConfigMap prometheus-rules, key stack-health.rules.yml), group stack-health); ${loaded}`,
    );
    expect(byId(result.checks, "alerts.deadmans-switch")).toMatchObject({
      status: "fail",
      reason: `the running Prometheus has no alerting rule Watchdog (written in stack/manifests/prometheus.yaml (ConfigMap prometheus-rules, key stack-health.rules.yml), group stack-health); ${loaded}`,
    });
    expect(result.checks.filter((c) => c.id.startsWith("alerts.")).map((c) => c.status)).toEqual(["fail", "fail", "fail", "fail", "fail"]);
  }, 120_000);
});
