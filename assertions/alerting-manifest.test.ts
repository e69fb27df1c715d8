import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "../stack/manifest/load-manifests.ts";
import { alertingRules, alertmanagerManifest, globRegex, prometheusRulesManifest } from "./alerting-manifest.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../stack/manifests");

describe("alerting manifest", () => {
  it("should read Alertmanager's config and mounts as the manifests write them", async () => {
    const am = alertmanagerManifest(await loadManifests(MANIFESTS))!;
    expect(am.configPath).toBe("/etc/alertmanager/alertmanager.yml");
    expect(am.source).toBe("stack/manifests/alertmanager.yaml (ConfigMap alertmanager-config, key alertmanager.yml)");
    expect(am.config.receivers?.map((r) => r.name)).toEqual(["pagerduty", "slack", "email-summary", "webhook", "deadmans-switch"]);
    expect(am.mounts.flatMap((m) => (m.kind === "config" ? m.files.map((f) => f.path) : []))).toContain("/etc/alertmanager/secrets/pagerduty-routing-key");
  });

  it("should read every alerting rule of the files rule_files loads, with its labels and for", async () => {
    const prom = prometheusRulesManifest(await loadManifests(MANIFESTS))!;
    expect(prom.ruleFileGlobs).toEqual(["/etc/prometheus/rules/*.yml"]);
    expect(prom.externalLabels).toEqual({ cluster: "obsconf" });
    expect(prom.files).toEqual(["/etc/prometheus/rules/seed.rules.yml", "/etc/prometheus/rules/stack-health.rules.yml"]);
    expect(prom.rules.find((r) => r.name === "HighErrorRate")).toMatchObject({
      file: "seed.rules.yml",
      group: "seed-application",
      labels: { severity: "critical", pillar: "metrics" },
      forMs: 120_000,
    });
    expect(prom.rules.find((r) => r.name === "Watchdog")).toMatchObject({ forMs: 0, labels: { severity: "none" } });
  });

  it("should match rule_files globs as Go's filepath.Match does", () => {
    expect(globRegex("/etc/prometheus/rules/*.yml").test("/etc/prometheus/rules/a.yml")).toBe(true);
    expect(globRegex("/etc/prometheus/rules/*.yml").test("/etc/prometheus/rules/sub/a.yml")).toBe(false);
    expect(globRegex("/etc/prometheus/rules/*.nomatch").test("/etc/prometheus/rules/a.yml")).toBe(false);
    expect(globRegex("/r/[!b]?.y*ml").test("/r/ax.yaml")).toBe(true);
    expect(globRegex("/r/[!b]?.y*ml").test("/r/bx.yml")).toBe(false);
  });

  it("should skip recording rules and default for to 0", () => {
    const rules = alertingRules(
      "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n      - alert: A\n        expr: up == 0\n",
      "f.yml",
      "src",
    );
    expect(rules).toEqual([{ name: "A", file: "f.yml", group: "g", labels: {}, forMs: 0, expr: "up == 0", source: "src" }]);
  });
});
