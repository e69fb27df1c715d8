import { describe, expect, it } from "vitest";
import { startScriptedHttpServer } from "../transport/scripted-http-server.ts";
import { runLoad, type LoadShape } from "./run-load.ts";

describe("runLoad", () => {
  it("should release each batch once, only after its send (retries included) has settled, whatever the outcome", async () => {
    const released: number[] = [];
    // Request 0: 503 then (retried) 204; request 1: 400; request 2: 204. Each answered after 30 ms.
    const statuses = [503, 204, 400, 204];
    await using server = await startScriptedHttpServer((_request, index) => ({ status: statuses[index] ?? 204, delayMs: 30 }));
    const shape: LoadShape = {
      signal: "metrics",
      unit: "samples",
      offeredPerSec: 1_000,
      unitsPerRequest: 1,
      headers: {},
      next: (slot) => ({
        body: new TextEncoder().encode(String(slot)),
        units: 1,
        release: () => {
          // The receiver has seen every attempt of this slot by now: nothing of it is still in flight.
          expect(server.requests.filter((r) => new TextDecoder().decode(r.body) === String(slot))).toHaveLength(slot === 0 ? 2 : 1);
          released.push(slot);
        },
      }),
    };
    const report = await runLoad(shape, {
      url: `${server.origin}/write`,
      durationMs: 60_000,
      maxSends: 3,
      maxInFlight: 1,
      retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 2 },
    });
    expect(report.sends).toMatchObject({ ok: 2, http4xx: 1, retries: 1 });
    expect(released).toEqual([0, 1, 2]);
  });
});
