import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../../common/poll-until.ts";
import { pointReceiversAtSink } from "./alertmanager-overrides.ts";
import type { Notification } from "./notification.ts";
import { SmtpSink } from "./smtp-sink.ts";
import { AlertSink } from "./webhook-sink.ts";

const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";

/** The seed's routing with test-short timings; secrets stay in files as in production. */
const config = (routingKeyFile: string) => `global:
  resolve_timeout: 5m
  smtp_smarthost: smtp.example.org:587
  smtp_from: alertmanager@example.org
  smtp_auth_username: alertmanager
  smtp_auth_password_file: /nonexistent/smtp-password
route:
  receiver: ops-webhook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: [alertname="Watchdog"]
      receiver: deadmans-switch
    - matchers: [severity="critical"]
      receiver: pagerduty-critical
      continue: true
    - matchers: [severity="warning"]
      receiver: slack-warnings
      continue: true
    - matchers: [severity=~"critical|warning"]
      receiver: email-summary
      continue: true
    - receiver: ops-webhook
receivers:
  - name: pagerduty-critical
    pagerduty_configs: [{ routing_key_file: ${routingKeyFile}, send_resolved: true }]
  - name: slack-warnings
    slack_configs: [{ api_url_file: /nonexistent/slack-webhook, channel: "#alerts", send_resolved: true }]
  - name: email-summary
    email_configs: [{ to: oncall@example.org, send_resolved: true }]
  - name: ops-webhook
    webhook_configs: [{ url: "https://hooks.example.org/am", send_resolved: true }]
  - name: deadmans-switch
    webhook_configs: [{ url: "https://deadman.example.org/ping", send_resolved: false }]
`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

const isGone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
};

const summary = (list: readonly Notification[]) => list.map((n) => `${n.receiver} ${n.status} ${n.alertNames.join(",")}`).sort();

describe("alert sinks behind a real Alertmanager", () => {
  it("should get each alert on exactly its routed channels, then the resolve notifications", async (ctx) => {
    if (!existsSync(ALERTMANAGER)) {
      console.log(`skipped: ${ALERTMANAGER} not installed (Debian package prometheus-alertmanager)`);
      return ctx.skip();
    }
    await using http = await AlertSink.start();
    await using smtp = await SmtpSink.start();
    const dir = mkdtempSync(join(tmpdir(), "obsconf-alertmanager-"));
    let child: ChildProcess | undefined;
    const stderr: string[] = [];
    try {
      writeFileSync(join(dir, "routing-key"), "0123456789abcdef0123456789abcdef\n");
      const { text } = pointReceiversAtSink(config(join(dir, "routing-key")), {
        pagerdutyUrl: http.urls.pagerduty,
        slackUrl: http.urls.slack,
        webhookBaseUrl: http.urls.webhook,
        smtpHostPort: smtp.hostPort,
      });
      writeFileSync(join(dir, "alertmanager.yml"), text);
      const base = `http://127.0.0.1:${await freePort()}`;
      child = spawn(
        ALERTMANAGER,
        [
          `--config.file=${join(dir, "alertmanager.yml")}`,
          `--storage.path=${join(dir, "data")}`,
          `--web.listen-address=${base.slice("http://".length)}`,
          "--cluster.listen-address=",
          "--log.level=debug",
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
      const exited = new AbortController();
      child.once("exit", (code, signal) => exited.abort(new Error(`alertmanager exited early (code ${code}, signal ${signal})`)));
      const ready = () => fetch(`${base}/-/ready`).then((r) => r.status);
      await pollUntil("alertmanager", ready, (s) => s === 200, { timeoutMs: 20_000, intervalMs: 100, signal: exited.signal });

      const post = async (endsAt?: string) => {
        const alerts = [
          { labels: { alertname: "HighErrorRate", severity: "critical" }, annotations: { summary: "5xx over 5%" } },
          { labels: { alertname: "HighLatency", severity: "warning" }, annotations: { summary: "p99 over 1s" } },
          { labels: { alertname: "Watchdog", severity: "none" }, annotations: {} },
        ].map((a) => ({ ...a, startsAt: new Date(Date.now() - 60_000).toISOString(), ...(endsAt ? { endsAt } : {}) }));
        const res = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
        expect(res.status).toBe(200);
      };
      await post();
      const firing = [
        "deadmans-switch firing Watchdog",
        "email-summary firing HighErrorRate",
        "email-summary firing HighLatency",
        "ops-webhook firing HighErrorRate",
        "ops-webhook firing HighLatency",
        "pagerduty-critical firing HighErrorRate",
        "slack-warnings firing HighLatency",
      ];
      const all = () => [...http.notifications(), ...smtp.notifications()];
      const describe = (l: Notification[]) => summary(l).join("; ");
      await pollUntil(
        "firing notifications",
        async () => all(),
        (l) => l.length >= firing.length,
        { timeoutMs: 20_000, describe: (l) => describe(l as Notification[]) },
      );
      expect(summary(all())).toEqual(firing);
      expect(
        http
          .notifications()
          .filter((n) => n.channel === "pagerduty")
          .map((n) => n.alertNames),
      ).toEqual([["HighErrorRate"]]);
      expect(
        http
          .notifications()
          .filter((n) => n.channel === "slack")
          .map((n) => n.alertNames),
      ).toEqual([["HighLatency"]]);
      expect(smtp.messages().map((m) => m.to)).toEqual([["oncall@example.org"], ["oncall@example.org"]]);

      await post(new Date(Date.now() - 1_000).toISOString());
      const resolved = firing.filter((l) => !l.startsWith("deadmans-switch")).map((l) => l.replace("firing", "resolved"));
      const resolves = () => all().filter((n) => n.status === "resolved");
      await pollUntil(
        "resolve notifications",
        async () => resolves(),
        (l) => l.length >= resolved.length,
        { timeoutMs: 20_000, describe: (l) => describe(l as Notification[]) },
      );
      expect(summary(resolves())).toEqual(resolved.sort());
      const pdResolve = http.notifications().find((n) => n.channel === "pagerduty" && n.status === "resolved")!;
      expect(pdResolve.dedupKey).toBe(http.notifications().find((n) => n.channel === "pagerduty")!.dedupKey);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nalertmanager stderr (tail):\n${stderr.join("").split("\n").slice(-15).join("\n")}`, { cause: error });
    } finally {
      if (child) await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(isGone(child!.pid!)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  });
});
