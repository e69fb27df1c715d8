import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { replayBodies, type ReplayBody } from "./replay-sender.ts";

describe("replayBodies", () => {
  it("never has two bodies with the same key in flight at once, and keeps every sender busy otherwise", async () => {
    const inFlight = new Map<number, number>(); // key -> requests in flight
    let overlaps = 0;
    let maxConcurrent = 0;
    let concurrent = 0;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const key = Number(Buffer.concat(chunks).toString()) % 3; // bodies i and i + 3 share a key
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        if (inFlight.get(key)! > 1) overlaps += 1;
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        setTimeout(
          () => {
            inFlight.set(key, inFlight.get(key)! - 1);
            concurrent -= 1;
            response.statusCode = 204;
            response.end();
          },
          5 + Math.random() * 15,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const refreshed: number[] = [];
      const bodies: ReplayBody[] = Array.from({ length: 6 }, (_, i) => ({
        body: new TextEncoder().encode(String(i)),
        units: 10,
        key: i % 3,
        refresh: () => void refreshed.push(i),
      }));
      const report = await replayBodies({ url: `http://127.0.0.1:${port}/write`, headers: {}, bodies, concurrency: 5, durationMs: 400, maxRequests: 10_000 });
      expect(report.failed).toBe(0);
      expect(report.requests).toBeGreaterThan(20);
      expect(report.acknowledgedUnits).toBe(report.ok * 10);
      expect(refreshed).toHaveLength(report.requests);
      expect(overlaps).toBe(0);
      // Three keys: at most three in flight, though five senders ran (the others wait their turn or retire).
      expect(maxConcurrent).toBeLessThanOrEqual(3);
      expect(maxConcurrent).toBeGreaterThanOrEqual(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
