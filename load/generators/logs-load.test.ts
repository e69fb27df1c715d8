import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodePush } from "../../stack/reference-sinks/loki/push-decoder.ts";
import { inOrder, startScriptedHttpServer } from "../transport/scripted-http-server.ts";
import { runLogsLoad } from "./logs-load.ts";

const decode = (request: { headers: Record<string, string | string[] | undefined>; body: Uint8Array }) =>
  decodePush({
    contentType: String(request.headers["content-type"]),
    contentEncoding: String(request.headers["content-encoding"] ?? ""),
    body: Buffer.from(request.body),
  });

describe("runLogsLoad", () => {
  for (const encoding of ["protobuf", "json"] as const) {
    it(`should push model log lines (${encoding}) in time order per stream, bytes counted as line bytes`, async () => {
      await using server = await startScriptedHttpServer(inOrder({ status: 204 }));
      const report = await runLogsLoad({
        url: `${server.origin}/loki/api/v1/push`,
        encoding,
        bytesPerSec: 40_000,
        bytesPerRequest: 4_000,
        durationMs: 60_000,
        maxSends: 4,
      });
      expect(server.requests).toHaveLength(4);
      const pushes = server.requests.map((r) => decode(r));
      const lineBytes = pushes.flatMap((p) => p.streams.flatMap((s) => s.entries.map((e) => Buffer.byteLength(e.line)))).reduce((a, b) => a + b, 0);
      expect(report).toMatchObject({ signal: "logs", unit: "bytes", offeredUnits: lineBytes, acknowledgedUnits: lineBytes });
      // Whole lines, the running total kept within one line of requests x bytesPerRequest.
      expect(Math.abs(lineBytes - 16_000)).toBeLessThan(400);
      const streams = new Map<string, bigint[]>();
      for (const s of pushes.flatMap((p) => p.streams))
        streams.set(JSON.stringify(s.labels), [...(streams.get(JSON.stringify(s.labels)) ?? []), ...s.entries.map((e) => e.tsNs)]);
      for (const [labels, stamps] of streams) {
        expect(Object.keys(JSON.parse(labels) as object).sort()).toEqual(["generator", "level", "namespace", "service", "service_name"]); // Loki 3.5 (and its sink) adds service_name from service
        for (let i = 1; i < stamps.length; i++) expect(stamps[i]! > stamps[i - 1]!).toBe(true);
      }
      expect(pushes[0]!.streams[0]!.entries[0]!.line).toMatch(
        /^level=(info|error) service=\S+ trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16} msg=".+" status=\d{3}$/,
      );
    });
  }

  it("should append the lines to a CRI pod log file when asked to", async () => {
    const rootDir = await mkdtemp(join(tmpdir(), "obsconf-logs-load-"));
    try {
      const report = await runLogsLoad({ podLogFiles: { rootDir }, bytesPerSec: 100_000, bytesPerRequest: 1_000, durationMs: 60_000, maxSends: 3 });
      const text = await readFile(join(rootDir, "var/log/pods/ecomm-prod_obsconf-load-0_obsconf-load-0/app/0.log"), "utf8");
      const lines = text.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z stdout F level=/);
      expect(lines.map((l) => Buffer.byteLength(l.replace(/^\S+ stdout F /, ""))).reduce((a, b) => a + b, 0)).toBe(report.acknowledgedUnits);
      expect(report.sends.ok).toBe(3);
    } finally {
      await rm(rootDir, { recursive: true, force: true });
    }
  });
});
