import { describe, expect, it } from "vitest";
import { ShapeError, parseAlerts, parsePromNumber, parseQueryResult, parseRules, parseTargets } from "./prometheus-parse.ts";

describe("parsePromNumber", () => {
  it("should parse NaN and infinities as Prometheus spells them", () => {
    expect(parsePromNumber("NaN")).toBeNaN();
    expect(parsePromNumber("+Inf")).toBe(Infinity);
    expect(parsePromNumber("-Inf")).toBe(-Infinity);
    expect(parsePromNumber("1e-3")).toBe(0.001);
  });
  it("should reject text that is not a number", () => {
    expect(() => parsePromNumber("abc")).toThrow(new ShapeError('expected a sample value, saw "abc"'));
    expect(() => parsePromNumber("")).toThrow(new ShapeError('expected a sample value, saw ""'));
  });
});

describe("parseQueryResult", () => {
  it("should parse scalar and string results with ms timestamps", () => {
    expect(parseQueryResult({ resultType: "scalar", result: [1795555500.123, "+Inf"] })).toEqual({
      resultType: "scalar",
      result: { timeMs: 1795555500123, value: Infinity },
    });
    expect(parseQueryResult({ resultType: "string", result: [1795555500, "hello"] })).toEqual({
      resultType: "string",
      result: { timeMs: 1795555500000, value: "hello" },
    });
  });
  it("should throw a ShapeError for an unknown resultType", () => {
    expect(() => parseQueryResult({ resultType: "streams", result: [] })).toThrow('expected resultType vector|matrix|scalar|string, saw "streams"');
  });
});

describe("parseTargets / parseRules / parseAlerts", () => {
  it("should parse an active target with health, labels, scrapeUrl and lastError", () => {
    const targets = parseTargets({
      activeTargets: [
        {
          discoveredLabels: { __address__: "127.0.0.1:9" },
          labels: { job: "canary", instance: "127.0.0.1:9" },
          scrapePool: "canary",
          scrapeUrl: "http://127.0.0.1:9/metrics",
          globalUrl: "http://h:9/metrics",
          lastError: "connection refused",
          lastScrape: "2026-11-24T21:24:00.5+00:00",
          lastScrapeDuration: 0.0025,
          health: "down",
          scrapeInterval: "15s",
          scrapeTimeout: "10s",
        },
      ],
      droppedTargets: [],
    });
    expect(targets).toEqual([
      {
        scrapePool: "canary",
        scrapeUrl: "http://127.0.0.1:9/metrics",
        health: "down",
        labels: { job: "canary", instance: "127.0.0.1:9" },
        discoveredLabels: { __address__: "127.0.0.1:9" },
        lastError: "connection refused",
        lastScrapeAtMs: 1795555440500,
        lastScrapeDurationMs: 2.5,
        scrapeIntervalMs: 15_000,
      },
    ]);
  });
  it("should treat Go's zero time as never scraped", () => {
    expect(parseTargets({ activeTargets: [{ health: "unknown", lastScrape: "0001-01-01T00:00:00Z" }] })[0]!.lastScrapeAtMs).toBeUndefined();
  });
  it("should parse alerting and recording rules with their alerts", () => {
    const alert = { labels: { alertname: "CanaryDown" }, annotations: {}, state: "firing", activeAt: "2026-11-24T21:24:00Z", value: "1e+00" };
    const groups = parseRules({
      groups: [
        {
          name: "canary",
          file: "/r.yml",
          interval: 15,
          rules: [
            { type: "alerting", name: "CanaryDown", query: "up == 0", duration: 30, labels: {}, health: "ok", lastError: "", state: "firing", alerts: [alert] },
            { type: "recording", name: "job:up:sum", query: "sum by (job) (up)", labels: {}, health: "ok" },
          ],
        },
      ],
    });
    expect(groups).toEqual([
      {
        name: "canary",
        file: "/r.yml",
        intervalMs: 15_000,
        rules: [
          {
            type: "alerting",
            name: "CanaryDown",
            query: "up == 0",
            health: "ok",
            lastError: "",
            labels: {},
            state: "firing",
            forMs: 30_000,
            alerts: [{ labels: { alertname: "CanaryDown" }, annotations: {}, state: "firing", activeAtMs: 1795555440000, value: 1 }],
          },
          { type: "recording", name: "job:up:sum", query: "sum by (job) (up)", health: "ok", lastError: "", labels: {} },
        ],
      },
    ]);
    expect(parseAlerts({ alerts: [alert] })).toEqual(groups[0]!.rules[0]!.alerts);
  });
});
