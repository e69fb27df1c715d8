import { describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import { Ledger } from "../../common/ledger.ts";
import { loadContract, profileOf, type Profile } from "../../assertions/contract.ts";
import { createHttpTransport } from "../../load/transport/http-transport.ts";
import { OTLP_HTTP_PROTOBUF_HEADERS } from "../../load/encode/otlp-traces.ts";
import { LokiClient } from "../../stack/clients/loki-client.ts";
import { TempoClient } from "../../stack/clients/tempo-client.ts";
import { startLokiSink } from "../../stack/reference-sinks/loki/start-loki-sink.ts";
import { startTempoSink } from "../../stack/reference-sinks/tempo/tempo-sink.ts";
import { runLogChecks } from "./logs-checks.ts";
import { runTraceChecks } from "./traces-checks.ts";

const contract = loadContract();
/** The ci profile with enough canaries for a 1 % drop to show (200 lines, 10 ms apart). */
const profile: Profile = { ...profileOf(contract, "ci"), canaries: { count: 200, intervalMs: 10, pullScrapes: 1, pullSeries: 1, minSamples: 1 } };

describe("logs and traces negative controls (reference sinks)", () => {
  it("should report exactly the lines a sink that drops 1 % of them lost, by sequence number", async () => {
    await using sink = await startLokiSink({ dropEvery: 100 });
    await using loki = new LokiClient({ baseUrl: sink.url });
    const ledger = new Ledger();
    const checks = await runLogChecks({
      loki,
      pushUrl: `${sink.url}/loki/api/v1/push`,
      ledger,
      runId: "neg-logs",
      contract,
      profile,
      simulatedBy: ["loki-reference-sink (dropping every 100th line)"],
      clock: systemClock,
    });
    const range = checks.find((c) => c.id === "logs.ingestion")!;
    expect(range.status).toBe("fail");
    // Entries 100 and 200 of the pushed ones are dropped: sequence numbers 99 and 199, both acknowledged.
    expect(range.reason).toBe("missing: 2 acknowledged canaries never readable (seq 99, 199)");
    expect(ledger.acked({ signal: "logs" })).toHaveLength(200);
    expect(checks.find((c) => c.id === "logs.ingestion.tail")!.reason).toBe("missing: 2 acknowledged canaries never readable (seq 99, 199)");
  }, 60_000);

  it("should report missing spans with the trace id when a canary trace lacks a child span", async () => {
    await using sink = await startTempoSink({ httpPort: 0, grpcPort: 0, otlpHttpPort: 0 });
    await using tempo = new TempoClient({ baseUrl: sink.httpUrl });
    const transport = createHttpTransport({ url: `${sink.otlpHttpUrl}/v1/traces`, headers: OTLP_HTTP_PROTOBUF_HEADERS });
    const ledger = new Ledger();
    const small: Profile = { ...profile, canaries: { count: 10, intervalMs: 20, pullScrapes: 1, pullSeries: 1, minSamples: 1 } };
    const checks = await runTraceChecks({
      tempo,
      transport,
      path: "OTLP/HTTP -> tempo sink",
      ledger,
      runId: "neg-traces",
      contract,
      profile: small,
      simulatedBy: ["tempo-reference-sink"],
      clock: systemClock,
      omitChildSpanEvery: 5,
    });
    await transport.close();
    const byId = checks.find((c) => c.id === "traces.ingestion.by-id")!;
    const incomplete = ledger.entries({ signal: "traces" }).filter((w) => w.seq === 4 || w.seq === 9);
    expect(byId.status).toBe("fail");
    expect(byId.reason).toBe(`missing spans: ${incomplete.map((w) => `${w.id} expected ${w.parts} saw ${w.parts! - 1}`).join(", ")}`);
    expect(checks.find((c) => c.id === "traces.ingestion.search")!.status).toBe("simulated");
  }, 60_000);
});
