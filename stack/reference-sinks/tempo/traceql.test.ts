import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeOtlpJsonTraces } from "./otlp-json-decode.ts";
import { decodeExportTraceRequest } from "./otlp-proto.ts";
import { TraceStore } from "./trace-store.ts";
import { searchTraces } from "./trace-search.ts";
import { evaluateTraceQL } from "./traceql-eval.ts";
import { parseTraceQL } from "./traceql-parser.ts";

const FIXTURES = new URL("../../clients/fixtures/tempo-2.0.1/", import.meta.url);
const request = (name: string) =>
  (JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8")) as { request: { body?: unknown; bodyBase64?: string } }).request;

/** The two recorded traces: A (JSON push, payment fails with 500) and B (protobuf push, all 200). */
function peerStore(): TraceStore {
  const store = new TraceStore();
  store.ingest(decodeOtlpJsonTraces(JSON.stringify(request("otlp-http-json-push-ok").body)), 0);
  store.ingest(decodeExportTraceRequest(Buffer.from(request("otlp-http-protobuf-push-ok").bodyBase64!, "base64")), 0);
  return store;
}
const A = "00c0ffee0000000000000000000a0001";
const B = "00dec0de0000000000000000000b0002";

/** trace id → matched span ids, for every trace that matched. */
function matches(query: string): Record<string, string[]> {
  const expr = parseTraceQL(query);
  const out: Record<string, string[]> = {};
  for (const trace of peerStore().traces()) {
    const match = evaluateTraceQL(expr, trace);
    if (match) out[trace.traceId] = match.spans.map((s) => s.stored.span.spanId);
  }
  return out;
}

/** What `/api/search?q=` answers for an invalid query. */
function rejection(query: string): { status: number; text?: string } {
  const answer = searchTraces(new TraceStore(), new URLSearchParams({ q: query }));
  return answer.status === 400 ? { status: 400, text: answer.text } : { status: answer.status };
}

describe("TraceQL subset: evaluation", () => {
  it("should match span, resource and unscoped attributes with every comparison operator", () => {
    expect(matches("{ span.http.status_code = 500 }")).toEqual({ [A]: ["bbbb000000000002", "cccc000000000003"] });
    expect(matches('{ .http.status_code >= 500 && resource.service.name = "payment" }')).toEqual({ [A]: ["cccc000000000003"] });
    expect(matches("{ span.http.status_code != 200 && span.http.status_code < 502 }")).toEqual({ [A]: ["bbbb000000000002", "cccc000000000003"] });
    expect(matches("{ span.payment.amount_cents > 4000.5 && span.payment.amount_cents <= 4599 }")).toEqual({
      [A]: ["cccc000000000003"],
      [B]: ["cccc000000000013"],
    });
    expect(matches('{ .service.name = "frontend" }')).toEqual({ [A]: ["aaaa000000000001"], [B]: ["aaaa000000000011"] });
    expect(matches('{ resource.http.method = "GET" }')).toEqual({});
  });

  it("should evaluate the intrinsics name, status, duration, kind and the root and trace intrinsics", () => {
    expect(matches("{ status = error }")).toEqual({ [A]: ["aaaa000000000001", "bbbb000000000002", "cccc000000000003"] });
    expect(matches('{ status = ok && name = "POST /api/charge" }')).toEqual({ [B]: ["cccc000000000013"] });
    expect(matches("{ status = unset }")).toEqual({});
    expect(matches("{ duration > 1s }")).toEqual({ [A]: ["aaaa000000000001"], [B]: ["aaaa000000000011"] });
    expect(matches("{ duration < 700ms }")).toEqual({ [A]: ["cccc000000000003"], [B]: ["cccc000000000013"] });
    expect(matches('{ kind = server && rootServiceName = "frontend" && rootName = "GET /cart/checkout" && traceDuration >= 1.2s }')).toEqual({
      [A]: ["aaaa000000000001", "bbbb000000000002", "cccc000000000003"],
      [B]: ["aaaa000000000011", "bbbb000000000012", "cccc000000000013"],
    });
    expect(matches('{ statusMessage = "card declined" }')).toEqual({ [A]: ["cccc000000000003"] });
  });

  it("should apply regular expressions, || inside a spanset and && / || between spansets", () => {
    expect(matches('{ name =~ "charge$" }')).toEqual({ [A]: ["cccc000000000003"], [B]: ["cccc000000000013"] });
    expect(matches('{ name !~ "^(GET|POST /api/checkout)" && status = ok }')).toEqual({ [B]: ["cccc000000000013"] });
    expect(matches("{ span.http.status_code = 502 || span.http.status_code = 200 }")).toEqual({
      [A]: ["aaaa000000000001"],
      [B]: ["aaaa000000000011", "bbbb000000000012", "cccc000000000013"],
    });
    expect(matches('{ span.http.method = "GET" } && { span.http.status_code = 500 }')).toEqual({
      [A]: ["aaaa000000000001", "bbbb000000000002", "cccc000000000003"],
    });
    expect(matches('{ span.http.status_code = 502 } || { resource.service.name = "nobody" }')).toEqual({ [A]: ["aaaa000000000001"] });
    expect(matches('({ span.http.status_code = 502 }) && ({ span.order.id = "ord-1042" })')).toEqual({ [A]: ["aaaa000000000001", "bbbb000000000002"] });
  });

  it("should treat missing attributes and mismatched value types as no match, and nil as absence", () => {
    expect(matches('{ .order.id != "ord-1042" }')).toEqual({});
    expect(matches('{ span.http.status_code = "500" }')).toEqual({});
    expect(matches("{ span.order.id != nil && status = ok }")).toEqual({ [B]: ["bbbb000000000012"] });
    expect(matches("{ span.order.id = nil && span.payment.amount_cents = nil && status = ok }")).toEqual({ [B]: ["aaaa000000000011"] });
    expect(Object.keys(matches("{ }"))).toEqual([A, B]);
    expect(Object.keys(matches("{ true }"))).toEqual([A, B]);
    expect(matches("{ false }")).toEqual({});
  });
});

describe("TraceQL subset: rejections", () => {
  it("should reject syntax errors with Tempo's parse error text, line and column", () => {
    expect(rejection("{ span.http.status_code = }")).toEqual({
      status: 400,
      text: "invalid TraceQL query: parse error at line 1, col 27: syntax error: unexpected }",
    });
    expect(rejection('{ span.foo = "bar"')).toEqual({
      status: 400,
      text: "invalid TraceQL query: parse error at line 1, col 19: syntax error: unexpected $end",
    });
    expect(rejection("{ foo = 1 }")).toEqual({ status: 400, text: "invalid TraceQL query: parse error at line 1, col 3: syntax error: unexpected IDENTIFIER" });
    expect(rejection('{ .a = "open }')).toEqual({ status: 400, text: "invalid TraceQL query: parse error at line 1, col 8: literal not terminated" });
    expect(rejection("{\n  span.a = = 1 }")).toEqual({ status: 400, text: "invalid TraceQL query: parse error at line 2, col 12: syntax error: unexpected =" });
    expect(rejection("{ span.a = 1 } }")).toEqual({ status: 400, text: "invalid TraceQL query: parse error at line 1, col 16: syntax error: unexpected }" });
    expect(rejection("span.a = 1")).toEqual({ status: 400, text: "invalid TraceQL query: parse error at line 1, col 1: syntax error: unexpected span." });
  });

  it("should reject ill-typed comparisons with Tempo's validation text", () => {
    expect(rejection("{ status = 500 }")).toEqual({
      status: 400,
      text: "invalid TraceQL query: binary operations must operate on the same type: status = 500",
    });
    expect(rejection("{ span.a =~ 5 }")).toEqual({ status: 400, text: "invalid TraceQL query: illegal operation for the given types: span.a =~ 5" });
    expect(rejection("{ status > ok }")).toEqual({ status: 400, text: "invalid TraceQL query: illegal operation for the given types: status > ok" });
  });

  it("should name the valid but unsupported part of a query", () => {
    const unsupported = (part: string) => ({ status: 400, text: `unsupported TraceQL in the obsconf reference sink: ${part}` });
    expect(rejection("{ span.a = 1 } | count() > 2")).toEqual(unsupported('pipeline "| count() > 2"'));
    expect(rejection("{ } | select(span.a)")).toEqual(unsupported('pipeline "| select(span.a)"'));
    expect(rejection("count() > 2")).toEqual(unsupported('aggregate "count"'));
    expect(rejection("{ .a = 1 } >> { .b = 2 }")).toEqual(unsupported('structural operator ">>"'));
    expect(rejection("{ .a = 1 } > { .b = 2 }")).toEqual(unsupported('structural operator ">"'));
    expect(rejection("{ .a = 1 } ~ { .b = 2 }")).toEqual(unsupported('structural operator "~"'));
    expect(rejection("{ parent.a = 1 }")).toEqual(unsupported('attribute "parent.a"'));
    expect(rejection('{ span:name = "x" }')).toEqual(unsupported('attribute "span:name"'));
    expect(rejection("{ span.a + 1 > 2 }")).toEqual(unsupported('arithmetic "+"'));
    expect(rejection("{ childCount > 2 }")).toEqual(unsupported('intrinsic "childCount"'));
    expect(rejection("{ !(span.a = 1) }")).toEqual(unsupported('negation "!"'));
  });
});
