import { describe, expect, it } from "vitest";
import { AlertSink } from "./webhook-sink.ts";

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

const pagerDutyTrigger = {
  routing_key: "0123456789abcdef0123456789abcdef",
  event_action: "trigger",
  dedup_key: '{}:{alertname="HighErrorRate"}',
  payload: {
    summary: "[FIRING:1] HighErrorRate (critical api)",
    severity: "critical",
    source: "Alertmanager",
    custom_details: { firing: "Labels:\n - alertname = HighErrorRate\n - severity = critical\n", num_firing: "1", num_resolved: "0" },
  },
};

const webhookPayload = {
  version: "4",
  groupKey: '{}/{severity="critical"}:{alertname="HighErrorRate"}',
  truncatedAlerts: 0,
  status: "resolved",
  receiver: "ops-webhook",
  groupLabels: { alertname: "HighErrorRate" },
  commonLabels: { alertname: "HighErrorRate", severity: "critical" },
  commonAnnotations: {},
  externalURL: "http://127.0.0.1:9093",
  alerts: [
    {
      status: "resolved",
      labels: { alertname: "HighErrorRate", severity: "critical" },
      annotations: {},
      startsAt: "2024-01-01T00:00:00Z",
      endsAt: "2024-01-01T00:05:00Z",
      generatorURL: "",
      fingerprint: "abc",
    },
  ],
};

describe("AlertSink", () => {
  it("should accept a PagerDuty v2 trigger with 202 and record it as firing", async () => {
    await using sink = await AlertSink.start();
    const res = await post(`${sink.urls.pagerduty}?receiver=pagerduty-critical`, pagerDutyTrigger);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "success", message: "Event processed", dedup_key: pagerDutyTrigger.dedup_key });
    expect(sink.notifications()).toMatchObject([
      { channel: "pagerduty", status: "firing", alertNames: ["HighErrorRate"], receiver: "pagerduty-critical", dedupKey: pagerDutyTrigger.dedup_key },
    ]);
  });

  it("should reject an invalid PagerDuty event with PagerDuty's error JSON and record nothing", async () => {
    await using sink = await AlertSink.start();
    const res = await post(sink.urls.pagerduty, { event_action: "trigger", payload: { summary: "x", severity: "fatal", source: "s" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status: "invalid event",
      message: "Event object is invalid",
      errors: ["'routing_key' is missing or blank", "'payload.severity' must be one of critical, error, warning, info"],
    });
    expect(sink.notifications()).toEqual([]);
  });

  it("should answer a Slack message with 200 ok and parse the default title", async () => {
    await using sink = await AlertSink.start();
    const res = await post(`${sink.urls.slack}/slack-warnings`, {
      channel: "#alerts",
      username: "Alertmanager",
      attachments: [{ title: "[RESOLVED] HighLatency (warning api)", text: "", fallback: "[RESOLVED] HighLatency | http://am", color: "good" }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(await res.text()).toBe("ok");
    expect(sink.notifications()).toMatchObject([{ channel: "slack", status: "resolved", alertNames: ["HighLatency"], receiver: "slack-warnings" }]);
  });

  it("should reject a Slack message without text as Slack does", async () => {
    await using sink = await AlertSink.start();
    const res = await post(`${sink.urls.slack}/t`, { channel: "#alerts" });
    expect([res.status, await res.text()]).toEqual([400, "no_text"]);
  });

  it("should record an Alertmanager webhook with its group key and receiver", async () => {
    await using sink = await AlertSink.start();
    const res = await post(`${sink.urls.webhook}/ops-webhook`, webhookPayload);
    expect(res.status).toBe(200);
    expect(sink.notifications()).toMatchObject([
      { channel: "webhook", status: "resolved", alertNames: ["HighErrorRate"], receiver: "ops-webhook", groupKey: webhookPayload.groupKey },
    ]);
  });

  it("should listen on every interface when asked (pods on k3s reach it), still answering on its loopback URLs", async () => {
    await using sink = await new AlertSink().withListenHost("0.0.0.0").start();
    expect(sink.urls.webhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhook$/);
    const res = await post(`${sink.urls.webhook}/ops-webhook`, webhookPayload);
    expect(res.status).toBe(200);
    expect(sink.notifications()).toHaveLength(1);
  });

  it("should fail to start, naming the address, on an address this host does not have", async () => {
    await expect(new AlertSink().withListenHost("192.0.2.1").start()).rejects.toThrow("alert sink could not listen on 192.0.2.1:0");
  });

  it("should reject a webhook body that is not version 4 with the field named", async () => {
    await using sink = await AlertSink.start();
    const res = await post(`${sink.urls.webhook}/x`, { ...webhookPayload, version: "3" });
    expect([res.status, await res.text()]).toEqual([400, 'version: expected "4", saw "3"']);
  });

  it("should answer 404 for an unknown route", async () => {
    await using sink = await AlertSink.start();
    const res = await post(`${sink.urls.webhook.replace("/webhook", "/teams")}/x`, {});
    expect([res.status, await res.text()]).toEqual([404, "no alert sink route for POST /teams/x"]);
  });

  it("should fail every request with the given status after failWith, recording nothing", async () => {
    await using sink = await AlertSink.start();
    sink.failWith(503);
    expect((await post(`${sink.urls.webhook}/x`, webhookPayload)).status).toBe(503);
    sink.failWith(undefined);
    expect((await post(`${sink.urls.webhook}/x`, webhookPayload)).status).toBe(200);
    expect(sink.notifications()).toHaveLength(1);
  });

  it("should resolve waitFor when a matching notification arrives", async () => {
    await using sink = await AlertSink.start();
    const waiting = sink.waitFor({ channel: "webhook", alertName: "HighErrorRate", status: "resolved" }, { timeoutMs: 5_000 });
    await post(`${sink.urls.webhook}/ops-webhook`, webhookPayload);
    expect((await waiting).groupKey).toBe(webhookPayload.groupKey);
  });

  it("should time out waitFor with what was wanted and what arrived", async () => {
    await using sink = await AlertSink.start();
    await post(`${sink.urls.webhook}/ops-webhook`, webhookPayload);
    await post(`${sink.urls.pagerduty}?receiver=pd`, pagerDutyTrigger);
    await expect(sink.waitFor({ channel: "slack", alertName: "HighErrorRate" }, { timeoutMs: 200 })).rejects.toThrow(
      "alert notification matching channel=slack alertName=HighErrorRate not received after 200ms " +
        "(last: 2 notifications: webhook resolved [HighErrorRate] (receiver ops-webhook), pagerduty firing [HighErrorRate] (receiver pd))",
    );
  });

  it("should stop listening on stop", async () => {
    const sink = await AlertSink.start();
    const url = `${sink.urls.webhook}/x`;
    const stopped = await sink.stop();
    expect(stopped.notifications).toEqual([]);
    await expect(post(url, webhookPayload)).rejects.toThrow("fetch failed");
  });
});
