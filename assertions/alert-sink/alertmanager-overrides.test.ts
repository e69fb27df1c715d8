import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { pointReceiversAtSink } from "./alertmanager-overrides.ts";

const AMTOOL = "/usr/bin/amtool";

/** A production-shaped config: the seed's channels, secrets in files, a deadman's switch. */
const ALERTMANAGER_YML = `# alerting for the monitoring namespace
global:
  resolve_timeout: 5m
  smtp_smarthost: smtp.example.org:587
  smtp_from: alertmanager@example.org
  smtp_auth_username: alertmanager
  smtp_auth_password_file: /etc/alertmanager/secrets/smtp-password
  smtp_require_tls: true
route:
  receiver: slack-warnings
  group_by: [alertname, cluster]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: [alertname="Watchdog"]
      receiver: deadmans-switch
      repeat_interval: 1m
    - matchers: [severity="critical"]
      receiver: pagerduty-critical
      continue: true
    - matchers: [severity=~"critical|warning"]
      receiver: email-summary
      group_interval: 1h
      continue: true
    - matchers: [severity="warning"]
      receiver: slack-warnings
    - receiver: ops-webhook
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [alertname, cluster]
receivers:
  - name: pagerduty-critical
    pagerduty_configs:
      - routing_key_file: /etc/alertmanager/secrets/pagerduty-routing-key
        severity: critical # keep
        send_resolved: true
  - name: slack-warnings
    slack_configs:
      - api_url_file: /etc/alertmanager/secrets/slack-webhook
        channel: "#alerts"
        send_resolved: true
  - name: email-summary
    email_configs:
      - to: oncall@example.org
        send_resolved: true
  - name: ops-webhook
    webhook_configs:
      - url: https://hooks.example.org/alertmanager
        send_resolved: true
  - name: deadmans-switch
    webhook_configs:
      - url: https://deadman.example.org/ping/abc
        send_resolved: false
templates:
  - /etc/alertmanager/templates/*.tmpl
`;

const FLOW_STYLE_YML = `route: { receiver: ops-webhook, routes: [{ matchers: [severity="critical"], receiver: pd }] }
receivers:
  - { name: pd, pagerduty_configs: [{ routing_key: abc }] }
  - { name: ops-webhook, webhook_configs: [{ url: "https://hooks.example.org/am" }], email_configs: [{ to: a@example.org, from: b@example.org, smarthost: "smtp.example.org:25", auth_username: u, auth_password: p }] }
`;

const SINK = {
  pagerdutyUrl: "http://127.0.0.1:4001/pagerduty/v2/enqueue",
  slackUrl: "http://127.0.0.1:4001/slack",
  webhookBaseUrl: "http://127.0.0.1:4001/webhook",
  smtpHostPort: "127.0.0.1:4002",
};

describe("pointReceiversAtSink", () => {
  it("should point every receiver at the sinks and list each rewrite", () => {
    const { rewrites } = pointReceiversAtSink(ALERTMANAGER_YML, SINK);
    expect(rewrites).toEqual([
      "receiver pagerduty-critical: pagerduty_configs[0].url: (unset) -> http://127.0.0.1:4001/pagerduty/v2/enqueue?receiver=pagerduty-critical",
      "receiver slack-warnings: slack_configs[0].api_url_file: removed",
      "receiver slack-warnings: slack_configs[0].api_url: (unset) -> http://127.0.0.1:4001/slack/slack-warnings",
      "receiver email-summary: email_configs[0].smarthost: (unset) -> 127.0.0.1:4002",
      "receiver email-summary: email_configs[0].require_tls: (unset) -> false",
      "receiver email-summary: email_configs[0].auth_username: (unset) -> obsconf",
      "receiver email-summary: email_configs[0].auth_password: (unset) -> obsconf",
      "receiver email-summary: email_configs[0].headers.x-obsconf-receiver: email-summary",
      "receiver ops-webhook: webhook_configs[0].url: https://hooks.example.org/alertmanager -> http://127.0.0.1:4001/webhook/ops-webhook",
      "receiver deadmans-switch: webhook_configs[0].url: https://deadman.example.org/ping/abc -> http://127.0.0.1:4001/webhook/deadmans-switch",
    ]);
  });

  it("should keep routes, inhibit rules, templates, comments and the routing key file", () => {
    const { text } = pointReceiversAtSink(ALERTMANAGER_YML, SINK);
    const before = parse(ALERTMANAGER_YML);
    const after = parse(text);
    expect(after.route).toEqual(before.route);
    expect(after.inhibit_rules).toEqual(before.inhibit_rules);
    expect(after.templates).toEqual(before.templates);
    expect(after.global).toEqual(before.global);
    expect(after.receivers[0].pagerduty_configs[0]).toEqual({
      routing_key_file: "/etc/alertmanager/secrets/pagerduty-routing-key",
      severity: "critical",
      send_resolved: true,
      url: "http://127.0.0.1:4001/pagerduty/v2/enqueue?receiver=pagerduty-critical",
    });
    expect(text).toContain("# alerting for the monitoring namespace");
    expect(text).toContain("severity: critical # keep");
  });

  it("should replace configured SMTP credentials with dummies and drop password files", () => {
    const input = ALERTMANAGER_YML.replace(
      "      - to: oncall@example.org\n",
      "      - to: oncall@example.org\n        auth_username: real\n        auth_password_file: /secret\n        headers: { Subject: 'custom' }\n",
    );
    const email = parse(pointReceiversAtSink(input, SINK).text).receivers[2].email_configs[0];
    expect(email).toEqual({
      to: "oncall@example.org",
      auth_username: "obsconf",
      headers: { Subject: "custom", "x-obsconf-receiver": "email-summary" },
      send_resolved: true,
      smarthost: "127.0.0.1:4002",
      require_tls: false,
      auth_password: "obsconf",
    });
  });

  it("should reject a receiver without a name with the field named", () => {
    expect(() => pointReceiversAtSink("receivers:\n  - webhook_configs: [{ url: 'http://x' }]\n", SINK, { file: "stack/manifests/alertmanager.yaml" })).toThrow(
      "stack/manifests/alertmanager.yaml: field receivers[0].name: expected a receiver name, saw nothing",
    );
  });

  it("should quote inserted URLs so flow-style configs stay valid", () => {
    const { text } = pointReceiversAtSink("receivers:\n  - name: hook\n    webhook_configs: [{ url: 'https://x.example.org' }]\n", SINK);
    expect(text).toBe('receivers:\n  - name: hook\n    webhook_configs: [ { url: "http://127.0.0.1:4001/webhook/hook" } ]\n');
  });

  it.for([
    ["block style", ALERTMANAGER_YML],
    ["flow style", FLOW_STYLE_YML],
  ] as const)("should produce a %s config amtool check-config accepts", ([, input], ctx) => {
    if (!existsSync(AMTOOL)) {
      console.log(`skipped: ${AMTOOL} not installed (Debian package prometheus-alertmanager)`);
      return ctx.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), "obsconf-amtool-"));
    try {
      const path = join(dir, "alertmanager.yml");
      writeFileSync(path, pointReceiversAtSink(input, SINK).text);
      const result = spawnSync(AMTOOL, ["check-config", path], { encoding: "utf8", timeout: 20_000 });
      expect(`${result.stdout}${result.stderr}`).toContain("SUCCESS");
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
