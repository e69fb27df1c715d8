import { describe, expect, it } from "vitest";
import { canaryItems, decodeOtlpRecord, encodeOtlpRecord, OtlpRecordDecodeError } from "./otlp-kafka-records.ts";

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const canary = (run: string, seq: number) => [str("obsconf.canary", "true"), str("obsconf.run", run), { key: "obsconf.seq", value: { intValue: seq } }];
const resource = { attributes: [str("service.name", "checkout")] };

describe("OTLP records of the collector's kafka exporter (otlp_proto)", () => {
  it("should decode spans with their attributes and hex trace id, and find the canaries of a run", () => {
    const traceId = Buffer.from("0102030405060708090a0b0c0d0e0f10", "hex");
    const bytes = encodeOtlpRecord("traces", {
      resourceSpans: [
        {
          resource,
          scopeSpans: [
            {
              spans: [
                { traceId, spanId: Buffer.alloc(8, 1), name: "GET /cart", startTimeUnixNano: "1700000000000000000", attributes: canary("run-1", 7) },
                { traceId, spanId: Buffer.alloc(8, 2), name: "db", startTimeUnixNano: "1700000000000000001", attributes: [str("db.system", "postgres")] },
                { traceId, spanId: Buffer.alloc(8, 3), name: "other run", startTimeUnixNano: "1", attributes: canary("run-2", 1) },
              ],
            },
          ],
        },
      ],
    });
    const items = decodeOtlpRecord("traces", bytes);
    expect(items[0]).toEqual({
      signal: "traces",
      name: "GET /cart",
      attributes: { "obsconf.canary": "true", "obsconf.run": "run-1", "obsconf.seq": "7" },
      resourceAttributes: { "service.name": "checkout" },
      timeUnixNano: "1700000000000000000",
      traceId: "0102030405060708090a0b0c0d0e0f10",
    });
    expect(canaryItems(items, "run-1").map((c) => [c.runId, c.seq, c.item.name])).toEqual([["run-1", 7, "GET /cart"]]);
    expect(canaryItems(items).map((c) => c.runId)).toEqual(["run-1", "run-2"]);
  });

  it("should decode every data point of gauges, sums and histograms", () => {
    const bytes = encodeOtlpRecord("metrics", {
      resourceMetrics: [
        {
          resource,
          scopeMetrics: [
            {
              metrics: [
                { name: "obsconf_canary", gauge: { dataPoints: [{ timeUnixNano: "5", asDouble: 7, attributes: canary("r", 7) }] } },
                {
                  name: "requests",
                  sum: {
                    dataPoints: [
                      { timeUnixNano: "6", asInt: "3" },
                      { timeUnixNano: "7", asInt: "4" },
                    ],
                  },
                },
                { name: "latency", histogram: { dataPoints: [{ timeUnixNano: "8", attributes: [str("route", "/")] }] } },
              ],
            },
          ],
        },
      ],
    });
    const items = decodeOtlpRecord("metrics", bytes);
    expect(items.map((i) => [i.name, i.timeUnixNano, i.attributes])).toEqual([
      ["obsconf_canary", "5", { "obsconf.canary": "true", "obsconf.run": "r", "obsconf.seq": "7" }],
      ["requests", "6", {}],
      ["requests", "7", {}],
      ["latency", "8", { route: "/" }],
    ]);
    expect(canaryItems(items, "r").map((c) => c.seq)).toEqual([7]);
  });

  it("should decode log records with their body as text", () => {
    const bytes = encodeOtlpRecord("logs", {
      resourceLogs: [
        { resource, scopeLogs: [{ logRecords: [{ timeUnixNano: "9", body: { stringValue: "obsconf log canary" }, attributes: canary("r", 2) }] }] },
      ],
    });
    expect(decodeOtlpRecord("logs", bytes)).toEqual([
      {
        signal: "logs",
        name: "obsconf log canary",
        attributes: { "obsconf.canary": "true", "obsconf.run": "r", "obsconf.seq": "2" },
        resourceAttributes: { "service.name": "checkout" },
        timeUnixNano: "9",
      },
    ]);
  });

  it("should not count an item without an integer seq as a canary", () => {
    const bytes = encodeOtlpRecord("logs", {
      resourceLogs: [
        {
          scopeLogs: [
            { logRecords: [{ body: { stringValue: "x" }, attributes: [str("obsconf.canary", "true"), str("obsconf.run", "r"), str("obsconf.seq", "seven")] }] },
          ],
        },
      ],
    });
    expect(canaryItems(decodeOtlpRecord("logs", bytes))).toEqual([]);
  });

  it("should refuse bytes that are not OTLP protobuf", () => {
    expect(() => decodeOtlpRecord("traces", Buffer.from('{"resourceSpans":[]}'))).toThrow(OtlpRecordDecodeError);
  });
});
