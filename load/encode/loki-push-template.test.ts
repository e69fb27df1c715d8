import { describe, expect, it } from "vitest";
import { HarnessError } from "../../common/errors.ts";
import { encodeLokiPushProtobuf, type LokiStream } from "./loki-push.ts";
import { LokiPushTemplate } from "./loki-push-template.ts";
import { snappyUncompress } from "../../stack/clients/snappy-block.ts";

const streams = [
  { service: "cart", level: "info" },
  { service: "ad", level: "error" },
  { service: "unused", level: "info" },
];
const lines = [
  { stream: 0, line: "level=info msg=a" },
  { stream: 1, line: "level=error msg=Zürich ✓" },
  { stream: 0, line: `level=info msg=${"x".repeat(300)}` },
  { stream: 1, line: "e2" },
];

/** The same push through the generic encoder: streams in index order, entries in pick order. */
function generic(picks: number[], ms: number, firstNs: number): Uint8Array {
  const byStream = new Map<number, LokiStream & { entries: { tsNs: string; line: string }[] }>();
  picks.forEach((pick, j) => {
    const { stream, line } = lines[pick]!;
    if (!byStream.has(stream)) byStream.set(stream, { labels: streams[stream]!, entries: [] });
    const ns = BigInt(ms) * 1_000_000n + BigInt(firstNs + j);
    byStream.get(stream)!.entries.push({ tsNs: String(ns), line });
  });
  return encodeLokiPushProtobuf([...byStream.entries()].sort(([a], [b]) => a - b).map(([, s]) => s));
}

describe("LokiPushTemplate", () => {
  const template = new LokiPushTemplate(streams, lines);

  it("should write exactly the generic encoder's bytes, with per-pick nanosecond stamps", () => {
    for (const [picks, ms, firstNs] of [
      [[0, 1, 2, 3, 0, 2], 1_795_555_440_123, 0],
      [[3, 3, 1], 1_795_555_440_000, 0],
      [[2], 1_795_555_441_999, 999_999],
      [[0, 1], 1_000, 5],
    ] as const) {
      const ours = template.encodeRaw(Int32Array.from(picks), ms, firstNs);
      expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(generic([...picks], ms, firstNs)).toString("hex"));
    }
  });

  it("should snappy-compress the same bytes and count UTF-8 line bytes", () => {
    const picks = Int32Array.from([0, 1, 2, 3]);
    const raw = Buffer.from(template.encodeRaw(picks, 1_795_555_440_123, 7));
    expect(Buffer.from(snappyUncompress(template.encodeSnappy(picks, 1_795_555_440_123, 7))).equals(raw)).toBe(true);
    expect([...template.lineBytes]).toEqual(lines.map((l) => Buffer.byteLength(l.line)));
  });

  it("should refuse stamps that would leave the millisecond and unknown streams", () => {
    expect(() => template.encodeRaw(Int32Array.from([0, 1]), 1_000, 999_999)).toThrow(
      new HarnessError("loki push template: expected an integer ms timestamp > 0 and firstNs + picks <= 10^6, saw 1000 ms, 999999 + 2"),
    );
    expect(() => new LokiPushTemplate(streams, [{ stream: 3, line: "x" }])).toThrow("loki push template: expected a stream index in [0, 3), saw 3");
  });
});
