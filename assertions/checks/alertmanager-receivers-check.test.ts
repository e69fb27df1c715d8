import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { alertmanagerManifest, type AlertmanagerManifest } from "../alerting-manifest.ts";
import { alertmanagerReceiversCheck, reviewReceivers } from "./alertmanager-receivers-check.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");
type Cfg = Record<string, unknown>;
let shipped: AlertmanagerManifest;
beforeAll(async () => void (shipped = alertmanagerManifest(await loadManifests(MANIFESTS))!));

/** The shipped manifest with one receiver config edited (a test variant; the manifest on disk stays). */
function edited(receiver: string, kind: string, edit: (cfg: Cfg) => void, mounts = shipped.mounts): AlertmanagerManifest {
  const config = structuredClone(shipped.config);
  edit((config.receivers!.find((r) => r.name === receiver)![kind] as Cfg[])[0]!);
  return { ...shipped, config, mounts };
}
const findings = (m: AlertmanagerManifest) => reviewReceivers(m).findings.map((f) => `${f.receiver} ${f.field}: expected ${f.expected}, seen ${f.seen}`);

describe("config.alertmanager.receivers", () => {
  it("should pass the shipped receivers: every secret file mounted from the Secret, URLs parse, TLS coherent", () => {
    const result = alertmanagerReceiversCheck({ manifest: shipped, nowMs: 1_700_000_000_000 });
    expect(result).toMatchObject({ id: "config.alertmanager.receivers", pillar: "config", status: "pass", measured: { value: 0, unit: "findings" } });
    expect(result.evidence.map((e) => e.text)).toContain(
      "pagerduty: pagerduty_configs[0].routing_key_file /etc/alertmanager/secrets/pagerduty-routing-key: mounted from Secret alertmanager-secrets (key pagerduty-routing-key)",
    );
  });

  it("should fail a secret file path the Secret mount does not provide, naming receiver, field, expected and seen (negative control)", () => {
    const result = alertmanagerReceiversCheck({
      manifest: edited("pagerduty", "pagerduty_configs", (c) => void (c.routing_key_file = "/etc/alertmanager/secrets/pd-key")),
      nowMs: 0,
    });
    expect(result.status).toBe("fail");
    expect(result.reason).toBe(
      "1 receiver finding: receiver pagerduty: pagerduty_configs[0].routing_key_file: expected a file mounted into the alertmanager container from a Secret or ConfigMap, " +
        "seen /etc/alertmanager/secrets/pd-key (Secret alertmanager-secrets is mounted at /etc/alertmanager/secrets but has no such key (keys: pagerduty-routing-key, slack-api-url, smtp-password))",
    );
  });

  it("should fail a file path mounted nowhere and one under a data volume", () => {
    expect(findings(edited("email-summary", "email_configs", (c) => void (c.auth_password_file = "/run/secrets/smtp")))).toEqual([
      "email-summary email_configs[0].auth_password_file: expected a file mounted into the alertmanager container from a Secret or ConfigMap, seen /run/secrets/smtp (mounted nowhere; the container mounts /etc/alertmanager/alertmanager.yml (ConfigMap alertmanager-config), /etc/alertmanager/secrets (Secret alertmanager-secrets), /alertmanager)",
    ]);
    expect(findings(edited("slack", "slack_configs", (c) => void (c.api_url_file = "/alertmanager/slack-url")))).toEqual([
      "slack slack_configs[0].api_url_file: expected a file mounted into the alertmanager container from a Secret or ConfigMap, seen /alertmanager/slack-url (under /alertmanager, a data volume (data), not a Secret or ConfigMap)",
    ]);
  });

  it("should fail URLs that do not parse, a URL file holding no URL, and a smarthost without port", () => {
    expect(findings(edited("webhook", "webhook_configs", (c) => void (c.url = "alert-webhook:8080/alerts")))).toEqual([
      'webhook webhook_configs[0].url: expected an absolute http(s) URL, seen "alert-webhook:8080/alerts": unsupported scheme "alert-webhook"',
    ]);
    expect(findings(edited("pagerduty", "pagerduty_configs", (c) => void (c.url = "/v2/enqueue")))).toEqual([
      'pagerduty pagerduty_configs[0].url: expected an absolute http(s) URL, seen "/v2/enqueue": not an absolute URL',
    ]);
    const mounts = shipped.mounts.map((m) =>
      m.kind === "config" && m.from.kind === "Secret"
        ? { ...m, files: m.files.map((f) => (f.key === "slack-api-url" ? { ...f, content: "hooks.slack.com/services/X\n" } : f)) }
        : m,
    );
    expect(findings({ ...shipped, mounts })).toEqual([
      'slack slack_configs[0].api_url_file: expected a file holding an absolute http(s) URL, seen /etc/alertmanager/secrets/slack-api-url (Secret alertmanager-secrets (key slack-api-url)) holds "hooks.slack.com/services/X": not an absolute URL',
    ]);
    expect(findings(edited("email-summary", "email_configs", (c) => void (c.smarthost = "smtp-relay.ecomm-prod.svc")))).toEqual([
      'email-summary email_configs[0].smarthost: expected host:port, seen "smtp-relay.ecomm-prod.svc"',
    ]);
  });

  it("should fail incoherent TLS: a CA with insecure_skip_verify, a certificate without its key, TLS on plain http, SMTP auth without TLS", () => {
    expect(
      findings(
        edited(
          "webhook",
          "webhook_configs",
          (c) =>
            void (c.http_config = {
              tls_config: {
                insecure_skip_verify: true,
                ca_file: "/etc/alertmanager/secrets/smtp-password",
                cert_file: "/etc/alertmanager/secrets/slack-api-url",
              },
            }),
        ),
      ),
    ).toEqual([
      "webhook webhook_configs[0].http_config.tls_config.insecure_skip_verify: expected false when a CA is configured (insecure_skip_verify ignores it), seen true with ca_file /etc/alertmanager/secrets/smtp-password",
      "webhook webhook_configs[0].http_config.tls_config.key_file: expected the client certificate's key (key_file or key), seen cert_file /etc/alertmanager/secrets/slack-api-url without a key",
      "webhook webhook_configs[0].http_config.tls_config: expected TLS settings only on an https URL, seen tls_config with http://alert-webhook.ecomm-prod.svc.cluster.local:8080/alerts (never used)",
    ]);
    expect(findings(edited("email-summary", "email_configs", (c) => void (c.require_tls = false)))).toEqual([
      "email-summary email_configs[0].require_tls: expected true when SMTP auth is configured (credentials must not cross the network in clear text; Go's PLAIN auth refuses it), seen require_tls false with auth_username, auth_password_file",
    ]);
  });
});
