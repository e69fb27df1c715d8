import { describe, expect, it } from "vitest";
import { alertDelivery, type AlertDeliveryInput } from "./alert-delivery.ts";
import type { Notification } from "./alert-sink/notification.ts";

const T0 = 1_700_000_000_000;
const note = (over: Partial<Notification> & Pick<Notification, "receivedAtMs">): Notification => ({
  channel: "pagerduty",
  receiver: "pagerduty-critical",
  status: "firing",
  alertNames: ["HighErrorRate"],
  dedupKey: "dk-1",
  raw: {},
  ...over,
});
const input = (notifications: Notification[], over: Partial<AlertDeliveryInput> = {}): AlertDeliveryInput => ({
  alertName: "HighErrorRate",
  route: { channel: "pagerduty", receiver: "pagerduty-critical", mustNotReach: ["slack"] },
  conditionTrueAtMs: T0,
  forMs: 60_000,
  evaluationIntervalMs: 15_000,
  notifications,
  ...over,
});

describe("alertDelivery", () => {
  it("should measure an on-time delivery from condition true plus for", () => {
    const result = alertDelivery(input([note({ receivedAtMs: T0 + 60_000 + 12_500 })]));
    expect(result).toEqual({
      alertName: "HighErrorRate",
      deliveredAtMs: T0 + 72_500,
      deliveryLatencyMs: 12_500,
      pipelineMs: { forMs: 60_000, evaluationIntervalMs: 15_000, totalMs: 72_500 },
      receiverOk: true,
      wrongReceivers: [],
      duplicates: 0,
      duplicateKeys: {},
      resolveMissing: false,
    });
  });

  it("should report a late delivery's latency and ignore receipts from before the trigger", () => {
    const result = alertDelivery(input([note({ receivedAtMs: T0 - 5_000 }), note({ receivedAtMs: T0 + 60_000 + 45_000 })]));
    expect(result.deliveryLatencyMs).toBe(45_000);
    expect(result.duplicates).toBe(0);
  });

  it("should flag a delivery to the wrong receiver and a forbidden channel", () => {
    const result = alertDelivery(
      input([
        note({ receivedAtMs: T0 + 70_000, channel: "slack", receiver: "slack-warnings" }),
        note({ receivedAtMs: T0 + 71_000, receiver: "pagerduty-other" }),
      ]),
    );
    expect(result).toMatchObject({
      receiverOk: false,
      wrongReceivers: ["slack/slack-warnings", "pagerduty/pagerduty-other"],
      pipelineMs: { forMs: 60_000, evaluationIntervalMs: 15_000 },
    });
    expect(result.deliveredAtMs).toBeUndefined();
    expect(result.deliveryLatencyMs).toBeUndefined();
  });

  it("should count duplicates per dedup or group key beyond one per group", () => {
    const result = alertDelivery(
      input([
        note({ receivedAtMs: T0 + 70_000 }),
        note({ receivedAtMs: T0 + 70_200 }),
        note({ receivedAtMs: T0 + 70_300 }),
        note({ receivedAtMs: T0 + 70_400, dedupKey: "dk-2" }),
      ]),
    );
    expect(result).toMatchObject({ duplicates: 2, duplicateKeys: { "dk-1": 3 }, deliveryLatencyMs: 10_000, receiverOk: true });
  });

  it("should key duplicates by channel and receiver when the channel has no group key", () => {
    const slack = (receivedAtMs: number) => note({ receivedAtMs, channel: "slack", receiver: "slack-warnings", dedupKey: undefined });
    const result = alertDelivery(input([slack(T0 + 61_000), slack(T0 + 62_000)], { route: { channel: "slack" } }));
    expect(result).toMatchObject({ duplicates: 1, duplicateKeys: { "slack/slack-warnings": 2 } });
  });

  it("should report a missing resolve when the condition went false", () => {
    const result = alertDelivery(input([note({ receivedAtMs: T0 + 70_000 })], { conditionFalseAtMs: T0 + 120_000, windowEndMs: T0 + 300_000 }));
    expect(result.resolveMissing).toBe(true);
    expect(result.resolvedAtMs).toBeUndefined();
  });

  it("should find the resolve after the condition went false, within the window", () => {
    const notifications = [
      note({ receivedAtMs: T0 + 70_000 }),
      note({ receivedAtMs: T0 + 130_000, status: "resolved" }),
      note({ receivedAtMs: T0 + 400_000, status: "resolved" }),
    ];
    const result = alertDelivery(input(notifications, { conditionFalseAtMs: T0 + 120_000, windowEndMs: T0 + 300_000 }));
    expect(result).toMatchObject({ resolvedAtMs: T0 + 130_000, resolveMissing: false });
  });
});
