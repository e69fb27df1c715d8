import { HarnessError } from "../../common/errors.ts";
import { lognormalMs, randomHexId, type Rng } from "./rng.ts";
import type { ServiceModel } from "./service-model.ts";

/** One server span of a synthetic request. Times are exact integer nanoseconds since the epoch. */
export interface SyntheticSpan {
  traceId: string;
  spanId: string;
  /** Absent on the root span. */
  parentSpanId?: string;
  namespace: string;
  service: string;
  /** The operation id in the model (`<service>:<name>`). */
  operation: string;
  name: string;
  startNs: bigint;
  endNs: bigint;
  /** The `http.status_code` attribute. */
  httpStatusCode: number;
  status: "ok" | "error";
}

/** One logfmt line per span, stamped with the span's end. */
export interface SyntheticLogLine {
  tsNs: string;
  /** Loki stream labels, as the stack's pipelines derive them: service, namespace, level. */
  labels: { service: string; namespace: string; level: "info" | "error" };
  line: string;
}

export const HTTP_REQUESTS_TOTAL = "http_requests_total";
export const HTTP_REQUEST_DURATION_SECONDS = "http_request_duration_seconds";

/** `http_requests_total{namespace, service, status}` += 1, one per span. */
export interface RequestCountIncrement {
  labels: { namespace: string; service: string; status: string };
  value: 1;
}

/** One `http_request_duration_seconds{namespace, service}` histogram observation per span, with its exemplar. */
export interface LatencyObservation {
  labels: { namespace: string; service: string };
  seconds: number;
  exemplar: { trace_id: string; span_id: string };
}

/** One request through the model: its trace, its logs and its metrics, linked by `requestId` (= trace id). */
export interface SyntheticRequest {
  requestId: string;
  traceId: string;
  entry: string;
  /** Pre-order: the root first, every parent before its children; the last span is always a leaf. */
  spans: SyntheticSpan[];
  logs: SyntheticLogLine[];
  metrics: { requests: RequestCountIncrement[]; latencies: LatencyObservation[] };
}

export interface GenerateRequestOptions {
  /** When the entry span starts (integer ms are exact in the ns timestamps). */
  startMs: number;
  /** The entry operation id; default a weighted draw from `model.entries`. */
  entry?: string;
  /** 32 lowercase hex digits; default drawn from the RNG. */
  traceId?: string;
}

/** Network hop between a caller and its callee, in µs. */
const HOP_US = 150;
const MAX_DEPTH = 32;

/**
 * Walks the model's call graph from one entry operation. Every call always happens (the span count of
 * an entry is fixed, see `spanCount`); the RNG decides latencies and failures, with a fixed number of
 * draws per span so one seed always gives the same request. A failure starts at an operation (its
 * `errorStatus`, default 500) and turns every caller up the chain into a 500.
 */
export function generateRequest(model: ServiceModel, rng: Rng, { startMs, entry, traceId }: GenerateRequestOptions): SyntheticRequest {
  const entryId = entry ?? pickEntry(model, rng);
  const trace = traceId ?? randomHexId(rng, 16);
  if (!/^[0-9a-f]{32}$/.test(trace) || /^0+$/.test(trace)) {
    throw new HarnessError(`generateRequest: expected a trace id of 32 lowercase hex digits, not all zero, saw ${JSON.stringify(trace)}`);
  }
  const baseNs = BigInt(Math.round(startMs * 1000)) * 1000n;
  const spans: SyntheticSpan[] = [];

  const visit = (opId: string, parentSpanId: string | undefined, startUs: number, depth: number): { endUs: number; failed: boolean } => {
    const op = model.operations[opId];
    if (op === undefined) throw new HarnessError(`service model: expected operation ${JSON.stringify(opId)} to be defined, saw no such operation`);
    if (depth > MAX_DEPTH)
      throw new HarnessError(`service model: expected a call graph at most ${MAX_DEPTH} deep, saw a cycle through ${JSON.stringify(opId)}`);
    const spanId = randomHexId(rng, 8);
    const selfUs = lognormalMs(rng, op.selfLatency) * 1000;
    const ownFailure = rng.next() < op.errorRate;
    const span: SyntheticSpan = {
      traceId: trace,
      spanId,
      ...(parentSpanId === undefined ? {} : { parentSpanId }),
      namespace: model.namespace,
      service: op.service,
      operation: opId,
      name: op.name,
      startNs: baseNs + BigInt(Math.round(startUs * 1000)),
      endNs: 0n,
      httpStatusCode: 200,
      status: "ok",
    };
    spans.push(span);
    let t = startUs + selfUs / 2;
    let childFailed = false;
    for (const call of op.calls) {
      const child = visit(call, spanId, t + HOP_US, depth + 1);
      t = child.endUs + HOP_US;
      childFailed ||= child.failed;
    }
    const endUs = t + selfUs / 2;
    span.endNs = baseNs + BigInt(Math.round(endUs * 1000));
    if (ownFailure || childFailed) {
      span.status = "error";
      span.httpStatusCode = ownFailure ? (op.errorStatus ?? 500) : 500;
    }
    return { endUs, failed: ownFailure || childFailed };
  };
  visit(entryId, undefined, 0, 0);

  const logs = spans.map((s) => logLine(s));
  const requests = spans.map((s) => ({ labels: { namespace: s.namespace, service: s.service, status: String(s.httpStatusCode) }, value: 1 as const }));
  const latencies = spans.map((s) => ({
    labels: { namespace: s.namespace, service: s.service },
    seconds: Number(s.endNs - s.startNs) / 1e9,
    exemplar: { trace_id: s.traceId, span_id: s.spanId },
  }));
  return { requestId: trace, traceId: trace, entry: entryId, spans, logs, metrics: { requests, latencies } };
}

/** `level=info service=cart trace_id=… span_id=… msg="hipstershop.CartService/GetCart" status=200`. */
function logLine(span: SyntheticSpan): SyntheticLogLine {
  const level = span.status === "error" ? "error" : "info";
  return {
    tsNs: String(span.endNs),
    labels: { service: span.service, namespace: span.namespace, level },
    line: `level=${level} service=${span.service} trace_id=${span.traceId} span_id=${span.spanId} msg=${JSON.stringify(span.name)} status=${span.httpStatusCode}`,
  };
}

function pickEntry(model: ServiceModel, rng: Rng): string {
  const total = model.entries.reduce((sum, e) => sum + e.weight, 0);
  if (!(total > 0)) throw new HarnessError(`service model: expected entries with a positive total weight, saw ${total}`);
  let draw = rng.next() * total;
  for (const e of model.entries) {
    draw -= e.weight;
    if (draw < 0) return e.operation;
  }
  return model.entries[model.entries.length - 1]!.operation;
}

/** Spans in every request that enters at `entry` (the call graph is fixed, so this is exact). */
export function spanCount(model: ServiceModel, entry: string, depth = 0): number {
  const op = model.operations[entry];
  if (op === undefined) throw new HarnessError(`service model: expected operation ${JSON.stringify(entry)} to be defined, saw no such operation`);
  if (depth > MAX_DEPTH) throw new HarnessError(`service model: expected a call graph at most ${MAX_DEPTH} deep, saw a cycle through ${JSON.stringify(entry)}`);
  return 1 + op.calls.reduce((n, call) => n + spanCount(model, call, depth + 1), 0);
}
