import { describe, expect, it } from "vitest";
import type { Notification } from "../../assertions/alert-sink/notification.ts";
import { loadContract } from "../../assertions/contract.ts";
import { alertUnderFaultCheck, scrapedTargetsOf, targetDownFor } from "./alerts-under-fault.ts";

const contract = loadContract();
const T0 = 1_795_555_440_000;
const target = { job: "node-exporter", instance: "127.0.0.1:39299", scrapeUrl: "http://127.0.0.1:39299/metrics" };
const webhook = (atMs: number, instance: string, status: Notification["status"] = "firing"): Notification => ({
  channel: "webhook",
  receivedAtMs: atMs,
  receiver: "webhook",
  status,
  alertNames: ["TargetDown"],
  groupKey: `{}:{alertname="TargetDown"}`,
  raw: { alerts: [{ labels: { alertname: "TargetDown", instance, job: "node-exporter" } }] },
});
const base = {
  identity: { id: "chaos.kill:node-exporter.alert", title: "alert", pillar: "alerts" as const, startedAtMs: T0 },
  fault: "kill:node-exporter",
  target,
  forMs: 15_000,
  evaluationIntervalMs: 15_000,
  injectedAtMs: T0,
  healedAtMs: T0 + 60_000,
  deliveryTarget: contract.targets["latency.alertDelivery"],
  endedAtMs: T0 + 70_000,
};

describe("targetDownFor", () => {
  it("should pick TargetDown webhook notifications naming the instance only", () => {
    const list = [webhook(T0, "127.0.0.1:39299"), webhook(T0, "127.0.0.1:392990"), { ...webhook(T0, "127.0.0.1:39299"), channel: "slack" as const }];
    expect(targetDownFor(list, "127.0.0.1:39299")).toEqual([list[0]]);
  });
});

describe("scrapedTargetsOf", () => {
  const target = (scrapeUrl: string, service: string) => ({
    scrapePool: "monitoring-services",
    scrapeUrl,
    health: "up" as const,
    labels: { job: service, service, instance: new URL(scrapeUrl).host },
    discoveredLabels: {},
    lastError: "",
    lastScrapeAtMs: T0,
    lastScrapeDurationMs: 3,
    scrapeIntervalMs: 30_000,
  });
  const prometheus = {
    targets: async () => ({
      data: [target("http://127.0.0.1:9100/metrics", "node-exporter"), target("http://10.200.0.1:41000/metrics", "alertmanager")],
      durationMs: 1,
      warnings: [],
    }),
  };
  const endpoints = {
    "node-exporter": { metrics: { host: "127.0.0.1", port: 9100, url: "http://127.0.0.1:9100" } },
    alertmanager: { web: { host: "127.0.0.1", port: 9093, url: "http://127.0.0.1:9093" } },
  };

  it("should find the target that points at the component's endpoint", async () => {
    expect(await scrapedTargetsOf(prometheus, endpoints, "node-exporter")).toEqual([
      { job: "node-exporter", instance: "127.0.0.1:9100", scrapeUrl: "http://127.0.0.1:9100/metrics" },
    ]);
  });

  it("should fall back to the service label when Prometheus scrapes through a forwarder", async () => {
    expect(await scrapedTargetsOf(prometheus, endpoints, "alertmanager")).toEqual([
      { job: "alertmanager", instance: "10.200.0.1:41000", scrapeUrl: "http://10.200.0.1:41000/metrics" },
    ]);
  });
});

describe("alertUnderFaultCheck", () => {
  it("should time delivery from the first failed scrape + for and pass under the target", () => {
    const check = alertUnderFaultCheck({ ...base, conditionTrueAtMs: T0 + 16_000, notifications: [webhook(T0 + 16_000 + 15_000 + 22_000, target.instance)] });
    expect(check.status).toBe("pass");
    expect(check.measured?.value).toBe(22_000);
    expect(check.evidence[1]).toEqual({
      kind: "note",
      text: `first failed scrape (up == 0) at ${new Date(T0 + 16_000).toISOString()}, 16000ms after injection`,
    });
  });

  it("should time delivery from a scrape that was in flight when the fault began (stamped before injection)", () => {
    // A pause 4 s into a scrape: the scrape times out and records up == 0 at its start, before the injection.
    const check = alertUnderFaultCheck({ ...base, conditionTrueAtMs: T0 - 4_000, notifications: [webhook(T0 - 4_000 + 15_000 + 20_000, target.instance)] });
    expect(check.measured?.value).toBe(20_000);
    expect(check.evidence[1]).toEqual({
      kind: "note",
      text: `first failed scrape (up == 0) at ${new Date(T0 - 4_000).toISOString()}, 4000ms before injection (a scrape in flight when the fault began, stamped with its start)`,
    });
  });

  it("should fail when the notification came later than the delivery target", () => {
    const check = alertUnderFaultCheck({ ...base, conditionTrueAtMs: T0 + 16_000, notifications: [webhook(T0 + 16_000 + 15_000 + 31_000, target.instance)] });
    expect(check.status).toBe("fail");
    expect(check.reason).toBe("delivered 31000ms after condition-true + for, target < 30000ms");
  });

  it("should fail when no TargetDown for the instance reached the webhook", () => {
    const check = alertUnderFaultCheck({ ...base, conditionTrueAtMs: T0 + 16_000, notifications: [webhook(T0 + 40_000, "127.0.0.1:1")] });
    expect(check.status).toBe("fail");
    expect(check.reason).toBe("no firing notification of TargetDown reached the webhook receiver (stack alerts) within the window");
  });

  it("should fail when no failed scrape was recorded, even if a notification arrived", () => {
    const check = alertUnderFaultCheck({ ...base, conditionTrueAtMs: undefined, notifications: [webhook(T0 + 40_000, target.instance)] });
    expect(check.status).toBe("fail");
    expect(check.reason).toBe("no failed scrape of the target was recorded, so the condition-true time is unknown");
  });
});
