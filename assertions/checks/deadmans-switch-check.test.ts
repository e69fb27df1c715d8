import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { alertLabels, underTest } from "../alert-delivery-plan.ts";
import type { Notification } from "../alert-sink/notification.ts";
import { loadContract } from "../contract.ts";
import { parseAlertmanagerConfig } from "./alertmanager-routing.ts";
import { identityOf } from "./check-catalog.ts";
import { deadmansSwitchCheck, type DeadmansSwitchInput } from "./deadmans-switch-check.ts";

const target = loadContract().targets["latency.alertDelivery"];
const T0 = 1_700_000_000_000;
const config = (watchdogReceiver: string) =>
  parseAlertmanagerConfig(
    stringify({
      route: {
        receiver: "slack",
        group_interval: "1m",
        routes: [{ receiver: watchdogReceiver, matchers: ['alertname="Watchdog"'], group_wait: "0s", repeat_interval: "1m" }],
      },
      receivers: [
        { name: "slack", slack_configs: [{ api_url: "http://s" }] },
        { name: "deadmans-switch", webhook_configs: [{ url: "http://w" }] },
      ],
    }),
  );
const watchdog = (receiver = "deadmans-switch") =>
  underTest(config(receiver), "Watchdog", "rule", alertLabels({ alert: "Watchdog", ruleLabels: { severity: "none" } }));
const beat = (atMs: number, receiver = "deadmans-switch", channel: Notification["channel"] = "webhook"): Notification => ({
  channel,
  receiver,
  receivedAtMs: atMs,
  status: "firing",
  alertNames: ["Watchdog"],
  raw: {},
});
const input = (over: Partial<DeadmansSwitchInput>): DeadmansSwitchInput => ({
  identity: identityOf("alerts.deadmans-switch", T0),
  target,
  watchdog: watchdog(),
  alertName: "Watchdog",
  activeAtMs: T0,
  contractReceivers: ["slack", "pagerduty"],
  notifications: [beat(T0 + 2_000), beat(T0 + 62_000)],
  endedAtMs: T0 + 150_000,
  ...over,
});

describe("deadmansSwitchCheck", () => {
  it("should pass heartbeats on exactly the Watchdog's receiver, first within the target after activeAt", () => {
    const result = deadmansSwitchCheck(input({}));
    expect(result).toMatchObject({
      id: "alerts.deadmans-switch",
      status: "pass",
      measured: { value: 2_000, unit: "ms" },
      target: { comparator: "<", value: 30_000 },
    });
  });

  it("should fail when the running Alertmanager sends the Watchdog to another receiver (negative control)", () => {
    const result = deadmansSwitchCheck(input({ notifications: [beat(T0 + 2_000, "slack", "slack")] }));
    expect(result.status).toBe("fail");
    expect(result.reason).toBe(
      "Watchdog reached slack/slack, which the route tree does not give it (exactly deadmans-switch/webhook); no Watchdog reached deadmans-switch/webhook during the run",
    );
  });

  it("should fail when the manifest itself routes the Watchdog to a receiver of the contract's routes", () => {
    const result = deadmansSwitchCheck(input({ watchdog: watchdog("slack"), notifications: [beat(T0 + 2_000, "slack", "slack")] }));
    expect(result.reason).toBe("the route tree sends Watchdog to slack, a receiver of the contract's alert routes: the heartbeat would alarm there forever");
  });

  it("should fail when the heartbeat stops for longer than repeat_interval + group_interval + target", () => {
    const result = deadmansSwitchCheck(input({ notifications: [beat(T0 + 2_000)], endedAtMs: T0 + 200_000 }));
    expect(result.reason).toBe("the heartbeat on deadmans-switch/webhook stopped for 198s, more than repeat_interval + group_interval + target (150s)");
  });

  it("should fail naming the rule when the running Prometheus did not load it, and when the manifests have none", () => {
    expect(deadmansSwitchCheck(input({ notLoaded: "the running Prometheus has no alerting rule Watchdog; /api/v1/rules lists 0 alerting rules" })).reason).toBe(
      "the running Prometheus has no alerting rule Watchdog; /api/v1/rules lists 0 alerting rules",
    );
    expect(deadmansSwitchCheck(input({ watchdog: undefined })).reason).toBe(
      "the manifests have no alerting rule Watchdog: nothing feeds the dead man's switch",
    );
  });
});
