import { createHash } from "node:crypto";
import { TRACE_CANARY_ATTRIBUTES } from "../../common/canary-format.ts";
import { encodeOtlpRecord, type OtlpSignal } from "../../stack/clients/otlp-kafka-records.ts";
import { runCanaryLoop, type CanaryWriterOptions, type RunningCanary } from "./canary-loop.ts";

/** The OTLP/HTTP paths of each signal on a collector's receiver. */
export const OTLP_HTTP_PATHS: Readonly<Record<OtlpSignal, string>> = { traces: "/v1/traces", metrics: "/v1/metrics", logs: "/v1/logs" };

/** What the ML ingestion path's readers find: the canary's attributes on a span, a data point or a log record. */
function canaryAttributes(runId: string, seq: number) {
  const { canary, run, seq: seqKey } = TRACE_CANARY_ATTRIBUTES;
  return [
    { key: canary, value: { stringValue: "true" } },
    { key: run, value: { stringValue: runId } },
    { key: seqKey, value: { intValue: seq } },
  ];
}

/**
 * One OTLP export request carrying canary `seq` of `signal`: a span, a gauge data point or a log
 * record with the canary attributes (`obsconf.canary`, `obsconf.run`, `obsconf.seq`), protobuf.
 */
export function encodeOtlpCanary(signal: OtlpSignal, runId: string, seq: number, writtenAtMs: number): Uint8Array {
  const resource = { attributes: [{ key: "service.name", value: { stringValue: "obsconf-canary" } }] };
  const timeUnixNano = `${writtenAtMs}000000`;
  const attributes = canaryAttributes(runId, seq);
  switch (signal) {
    case "traces": {
      const id = createHash("sha256").update(`${runId}/${seq}`).digest();
      const span = {
        traceId: id.subarray(0, 16),
        spanId: id.subarray(16, 24),
        name: "obsconf-canary",
        kind: 2,
        startTimeUnixNano: timeUnixNano,
        endTimeUnixNano: timeUnixNano,
        attributes,
      };
      return encodeOtlpRecord("traces", { resourceSpans: [{ resource, scopeSpans: [{ spans: [span] }] }] });
    }
    case "metrics":
      return encodeOtlpRecord("metrics", {
        resourceMetrics: [
          { resource, scopeMetrics: [{ metrics: [{ name: "obsconf_canary_seq", gauge: { dataPoints: [{ timeUnixNano, asDouble: seq, attributes }] } }] }] },
        ],
      });
    case "logs":
      return encodeOtlpRecord("logs", {
        resourceLogs: [
          {
            resource,
            scopeLogs: [{ logRecords: [{ timeUnixNano, observedTimeUnixNano: timeUnixNano, body: { stringValue: `obsconf canary ${seq}` }, attributes }] }],
          },
        ],
      });
  }
}

/**
 * The ML ingestion canary of one signal: one OTLP/HTTP export per tick into the collector (transport:
 * its `/v1/<signal>` with protobuf headers), recorded in the ledger as stream `kafka` with id = seq.
 */
export function startOtlpCanaryWriter(signal: OtlpSignal, options: CanaryWriterOptions): RunningCanary {
  return runCanaryLoop({ ...options, signal, stream: "kafka" }, (seq, writtenAtMs) => ({
    body: encodeOtlpCanary(signal, options.runId, seq, writtenAtMs),
    id: String(seq),
  }));
}
