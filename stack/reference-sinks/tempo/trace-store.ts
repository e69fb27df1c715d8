import {
  serviceNameOf,
  tagTextOf,
  type AnyValue,
  type ResourceRecord,
  type ResourceSpansRecord,
  type ScopeSpansRecord,
  type SpanRecord,
} from "./trace-model.ts";

/** A v2 tag value: TraceQL's type name and the value as text. */
function typedValue(v: AnyValue): { type: string; value: string } | undefined {
  if ("stringValue" in v) return { type: "string", value: String(v.stringValue) };
  if ("intValue" in v) return { type: "int", value: String(v.intValue) };
  if ("doubleValue" in v) return { type: "float", value: String(v.doubleValue) };
  if ("boolValue" in v) return { type: "bool", value: String(v.boolValue) };
  return undefined;
}

export interface TraceStoreOptions {
  /** Negative control: silently drop every Nth received span (1-based count over the sink's life). */
  dropSpanEvery?: number;
  /** Oldest traces are evicted once more spans than this are held. Default 1 000 000. */
  maxSpans?: number;
}

/** One stored span with the resource it came with (what search evaluates). */
export interface StoredSpan {
  readonly span: SpanRecord;
  readonly resource: ResourceRecord | undefined;
}

export interface TraceEntry {
  readonly traceId: string;
  /** One ResourceSpans per received batch that held spans of this trace, in arrival order. */
  readonly batches: ResourceSpansRecord[];
  readonly spans: StoredSpan[];
  startNs: bigint;
  endNs: bigint;
  /** Approximate share of the received bytes (search's `inspectedBytes`). */
  bytes: number;
  root: StoredSpan | undefined;
}

export interface TraceStoreCounters {
  spansReceived: number;
  bytesReceived: number;
  spansDropped: number;
  tracesEvicted: number;
}

/** Intrinsics `/api/search/tag/<name>/values` answers for (Tempo 2.8 no longer lists them among the tag names). */
export const INTRINSIC_TAG_NAMES = ["name", "root.name", "root.service.name"] as const;

/** The intrinsic scope of `/api/v2/search/tags`, as Tempo 2.8.0 lists it (fixtures/tempo-2.8.0/search-tags-v2.json). */
export const V2_INTRINSIC_TAGS = [
  "duration",
  "event:name",
  "event:timeSinceStart",
  "instrumentation:name",
  "instrumentation:version",
  "kind",
  "name",
  "rootName",
  "rootServiceName",
  "span:duration",
  "span:kind",
  "span:name",
  "span:status",
  "span:statusMessage",
  "status",
  "statusMessage",
  "trace:duration",
  "trace:rootName",
  "trace:rootService",
  "traceDuration",
] as const;

const DEFAULT_MAX_SPANS = 1_000_000;

/** The sink's in-memory trace storage: every accepted span is readable and searchable at once. */
export class TraceStore {
  readonly counters: TraceStoreCounters = { spansReceived: 0, bytesReceived: 0, spansDropped: 0, tracesEvicted: 0 };
  readonly #traces = new Map<string, TraceEntry>();
  readonly #dropSpanEvery: number | undefined;
  readonly #maxSpans: number;
  #spansHeld = 0;

  constructor({ dropSpanEvery, maxSpans = DEFAULT_MAX_SPANS }: TraceStoreOptions = {}) {
    if (dropSpanEvery !== undefined && (!Number.isInteger(dropSpanEvery) || dropSpanEvery < 1)) {
      throw new RangeError(`dropSpanEvery must be a positive integer, saw ${dropSpanEvery}`);
    }
    this.#dropSpanEvery = dropSpanEvery;
    this.#maxSpans = maxSpans;
  }

  get traceCount(): number {
    return this.#traces.size;
  }

  /** Stores a decoded export request; `bytes` is its size on the wire. Answers how many spans were kept. */
  ingest(records: readonly ResourceSpansRecord[], bytes: number): { accepted: number; dropped: number } {
    const total = records.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
    this.counters.bytesReceived += bytes;
    let accepted = 0;
    let dropped = 0;
    for (const rs of records) {
      const perTrace = new Map<string, ScopeSpansRecord[]>();
      for (const ss of rs.scopeSpans) {
        const byTrace = new Map<string, SpanRecord[]>();
        for (const span of ss.spans) {
          this.counters.spansReceived += 1;
          if (this.#dropSpanEvery !== undefined && this.counters.spansReceived % this.#dropSpanEvery === 0) {
            this.counters.spansDropped += 1;
            dropped += 1;
            continue;
          }
          accepted += 1;
          const spans = byTrace.get(span.traceId) ?? [];
          spans.push(span);
          byTrace.set(span.traceId, spans);
        }
        for (const [traceId, spans] of byTrace) {
          const scopes = perTrace.get(traceId) ?? [];
          scopes.push({ ...ss, spans });
          perTrace.set(traceId, scopes);
        }
      }
      for (const [traceId, scopeSpans] of perTrace) {
        const spanCount = scopeSpans.reduce((n, ss) => n + ss.spans.length, 0);
        this.#append(traceId, { ...rs, scopeSpans }, total > 0 ? Math.round((bytes * spanCount) / total) : 0);
      }
    }
    this.#evict();
    return { accepted, dropped };
  }

  get(traceIdHex: string): TraceEntry | undefined {
    return this.#traces.get(traceIdHex.toLowerCase());
  }

  traces(): IterableIterator<TraceEntry> {
    return this.#traces.values();
  }

  /** Span and resource attribute keys, sorted, as Tempo 2.8's unscoped `/api/search/tags` lists them. */
  tagNames(): string[] {
    const { span, resource } = this.scopedTagNames();
    return [...new Set([...span, ...resource])].sort();
  }

  /** Attribute keys per scope (`/api/v2/search/tags`), each sorted. */
  scopedTagNames(): { span: string[]; resource: string[] } {
    const span = new Set<string>();
    const resource = new Set<string>();
    for (const trace of this.#traces.values()) {
      for (const stored of trace.spans) {
        for (const a of stored.span.attributes ?? []) span.add(a.key);
        for (const a of stored.resource?.attributes ?? []) resource.add(a.key);
      }
    }
    return { span: [...span].sort(), resource: [...resource].sort() };
  }

  /** Distinct typed values of a scoped attribute (`span.x`, `resource.x`, or `.x` for both), as `/api/v2/search/tag/<name>/values`. */
  scopedTagValues(scoped: string): { type: string; value: string }[] {
    const match = /^(span|resource)?\.(.+)$/.exec(scoped);
    if (match === null) return [];
    const [, scope, key] = match;
    const values = new Map<string, { type: string; value: string }>();
    const add = (v: AnyValue) => {
      const typed = typedValue(v);
      if (typed !== undefined) values.set(`${typed.type}:${typed.value}`, typed);
    };
    for (const trace of this.#traces.values()) {
      for (const stored of trace.spans) {
        if (scope !== "resource") for (const a of stored.span.attributes ?? []) if (a.key === key) add(a.value);
        if (scope !== "span") for (const a of stored.resource?.attributes ?? []) if (a.key === key) add(a.value);
      }
    }
    return [...values.values()];
  }

  /** Distinct values of a tag (attributes as text, ints as decimal), sorted. */
  tagValues(name: string): string[] {
    const values = new Set<string>();
    const add = (v: string | undefined) => v !== undefined && v !== "" && values.add(v);
    for (const trace of this.#traces.values()) {
      if (name === "root.name") add(trace.root?.span.name);
      else if (name === "root.service.name") add(serviceNameOf(trace.root?.resource));
      for (const { span, resource } of trace.spans) {
        if (name === "name") add(span.name);
        for (const a of span.attributes ?? []) if (a.key === name) add(tagTextOf(a.value));
        for (const a of resource?.attributes ?? []) if (a.key === name) add(tagTextOf(a.value));
      }
    }
    return [...values].sort();
  }

  #append(traceId: string, batch: ResourceSpansRecord, bytes: number): void {
    let entry = this.#traces.get(traceId);
    if (entry === undefined) {
      entry = { traceId, batches: [], spans: [], startNs: -1n, endNs: -1n, bytes: 0, root: undefined };
      this.#traces.set(traceId, entry);
    }
    entry.batches.push(batch);
    entry.bytes += bytes;
    for (const ss of batch.scopeSpans) {
      for (const span of ss.spans) {
        const stored: StoredSpan = { span, resource: batch.resource };
        entry.spans.push(stored);
        this.#spansHeld += 1;
        const start = BigInt(span.startTimeUnixNano ?? "0");
        const end = BigInt(span.endTimeUnixNano ?? "0");
        if (entry.startNs < 0n || start < entry.startNs) entry.startNs = start;
        if (end > entry.endNs) entry.endNs = end;
        if (span.parentSpanId === undefined && entry.root === undefined) entry.root = stored;
      }
    }
  }

  #evict(): void {
    for (const [traceId, entry] of this.#traces) {
      if (this.#spansHeld <= this.#maxSpans) return;
      this.#traces.delete(traceId);
      this.#spansHeld -= entry.spans.length;
      this.counters.tracesEvicted += 1;
    }
  }
}
