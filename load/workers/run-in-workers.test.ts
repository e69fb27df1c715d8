import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeWriteRequestSnappy } from "../encode/decode-write-request.ts";
import { inOrder, startScriptedHttpServer } from "../transport/scripted-http-server.ts";
import { decodeLatencyHistogram } from "../generators/latency-histogram.ts";
import { runInWorkers, shareOf } from "./run-in-workers.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("runInWorkers", () => {
  it("should split the rate and series over the workers and merge their reports", async () => {
    await using server = await startScriptedHttpServer(inOrder({ status: 204 }));
    const pids: number[] = [];
    const report = await runInWorkers({
      job: {
        signal: "metrics",
        options: { url: `${server.origin}/api/v1/write`, samplesPerSec: 400, seriesCount: 40, samplesPerRequest: 10, durationMs: 60_000, maxSends: 8 },
      },
      workers: 2,
      onWorkerStart: (pid) => pids.push(pid),
    });
    expect(pids).toHaveLength(2);
    expect(server.requests).toHaveLength(8);
    const generators = new Set(server.requests.flatMap((r) => decodeWriteRequestSnappy(r.body).map((s) => s.labels.generator)));
    expect(generators).toEqual(new Set(["0", "1"]));
    const series = new Set(server.requests.flatMap((r) => decodeWriteRequestSnappy(r.body).map((s) => JSON.stringify(s.labels))));
    expect(series.size).toBe(40); // 2 workers x 20 series, one pass each
    expect(report).toMatchObject({ signal: "metrics", workers: 2, offeredPerSec: 400, offeredUnits: 80, acknowledgedUnits: 80, sends: { ok: 8 } });
    expect(decodeLatencyHistogram(report.sendLatencyHdr).totalCount).toBe(8);
    expect(report.cpu.userMs).toBeGreaterThan(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  }, 60_000);

  it("should give each worker its share of rate, series and sends", () => {
    expect(shareOf({ signal: "metrics", options: { samplesPerSec: 1_000_000, scrapeIntervalMs: 100, durationMs: 1, maxSends: 9 } }, 1, 2)).toEqual({
      signal: "metrics",
      options: { samplesPerSec: 500_000, seriesCount: 50_000, durationMs: 1, maxSends: 5, shard: { index: 1, count: 2 } },
    });
    expect(shareOf({ signal: "traces", options: { spansPerSec: 10_000, durationMs: 1 } }, 0, 4).options).toEqual({
      spansPerSec: 2_500,
      durationMs: 1,
      shard: { index: 0, count: 4 },
    });
  });

  it("should leave no worker behind when the parent is killed", async () => {
    // A parent that starts two long workers, prints their pids, then waits; we SIGKILL it.
    const parent = spawn(process.execPath, [fileURLToPath(new URL("./orphan-check-parent.mjs", import.meta.url))], { stdio: ["ignore", "pipe", "inherit"] });
    const pids = await new Promise<number[]>((resolve, reject) => {
      let out = "";
      parent.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /^pids (\d+) (\d+)$/m.exec(out);
        if (match) resolve([Number(match[1]), Number(match[2])]);
      });
      parent.once("exit", (code) => reject(new Error(`parent exited early (code ${code}): ${out}`)));
    });
    expect(pids.every(alive)).toBe(true);
    parent.kill("SIGKILL");
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);
});
