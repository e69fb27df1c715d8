import { describe, expect, it } from "vitest";
import { ECOMM_CHECKOUT_ENTRY, ECOMM_HOME_ENTRY, ECOMM_MODEL } from "./ecomm-model.ts";
import { generateRequest, spanCount } from "./generate-request.ts";
import { mulberry32 } from "./rng.ts";
import type { ServiceModel } from "./service-model.ts";

const START_MS = 1_795_555_492_889;

describe("generateRequest", () => {
  it("should follow the checkout call graph frontend -> checkout -> {cart, productcatalog, currency, shipping, payment, email}", () => {
    const request = generateRequest(ECOMM_MODEL, mulberry32(1), { startMs: START_MS, entry: ECOMM_CHECKOUT_ENTRY });
    const byId = new Map(request.spans.map((s) => [s.spanId, s]));
    expect(request.spans.map((s) => `${s.parentSpanId === undefined ? "" : byId.get(s.parentSpanId)!.service} -> ${s.service} ${s.name}`)).toEqual([
      " -> frontend POST /cart/checkout",
      "frontend -> checkout hipstershop.CheckoutService/PlaceOrder",
      "checkout -> cart hipstershop.CartService/GetCart",
      "checkout -> productcatalog hipstershop.ProductCatalogService/GetProduct",
      "checkout -> currency hipstershop.CurrencyService/Convert",
      "checkout -> shipping hipstershop.ShippingService/GetQuote",
      "checkout -> payment hipstershop.PaymentService/Charge",
      "checkout -> shipping hipstershop.ShippingService/ShipOrder",
      "checkout -> cart hipstershop.CartService/EmptyCart",
      "checkout -> email hipstershop.EmailService/SendOrderConfirmation",
    ]);
    expect(spanCount(ECOMM_MODEL, ECOMM_CHECKOUT_ENTRY)).toBe(10);
    expect(request.spans.every((s) => s.traceId === request.traceId && s.namespace === "ecomm-prod")).toBe(true);
    expect(new Set(request.spans.map((s) => s.spanId)).size).toBe(10);
  });

  it("should nest every child inside its parent, children one after another, starting at startMs", () => {
    const request = generateRequest(ECOMM_MODEL, mulberry32(9), { startMs: START_MS, entry: ECOMM_HOME_ENTRY });
    const [root] = request.spans;
    expect(root!.startNs).toBe(1_795_555_492_889_000_000n);
    const byId = new Map(request.spans.map((s) => [s.spanId, s]));
    for (const span of request.spans.slice(1)) {
      const parent = byId.get(span.parentSpanId!)!;
      expect(span.startNs).toBeGreaterThan(parent.startNs);
      expect(span.endNs).toBeLessThan(parent.endNs);
    }
    const siblings = request.spans.filter((s) => s.parentSpanId === root!.spanId);
    for (let i = 1; i < siblings.length; i++) expect(siblings[i]!.startNs).toBeGreaterThan(siblings[i - 1]!.endNs);
  });

  it("should be reproducible from the seed and honour a given trace id", () => {
    const a = generateRequest(ECOMM_MODEL, mulberry32(5), { startMs: START_MS });
    const b = generateRequest(ECOMM_MODEL, mulberry32(5), { startMs: START_MS });
    expect(a).toEqual(b);
    const c = generateRequest(ECOMM_MODEL, mulberry32(5), { startMs: START_MS, traceId: "00c0ffee0000000000000000000a0001" });
    expect(c.requestId).toBe("00c0ffee0000000000000000000a0001");
    expect(c.spans.every((s) => s.traceId === "00c0ffee0000000000000000000a0001")).toBe(true);
  });

  it("should link logs and metrics to the trace: one log line, one count and one observation per span", () => {
    const request = generateRequest(ECOMM_MODEL, mulberry32(2), { startMs: START_MS, entry: ECOMM_CHECKOUT_ENTRY });
    const payment = request.spans.find((s) => s.service === "payment")!;
    const index = request.spans.indexOf(payment);
    expect(request.logs[index]).toEqual({
      tsNs: String(payment.endNs),
      labels: { service: "payment", namespace: "ecomm-prod", level: "info" },
      line: `level=info service=payment trace_id=${request.traceId} span_id=${payment.spanId} msg="hipstershop.PaymentService/Charge" status=200`,
    });
    expect(request.metrics.requests[index]).toEqual({ labels: { namespace: "ecomm-prod", service: "payment", status: "200" }, value: 1 });
    expect(request.metrics.latencies[index]).toEqual({
      labels: { namespace: "ecomm-prod", service: "payment" },
      seconds: Number(payment.endNs - payment.startNs) / 1e9,
      exemplar: { trace_id: request.traceId, span_id: payment.spanId },
    });
  });

  it("should fail a span with its own error status and every caller up the chain with 500", () => {
    const failing: ServiceModel = {
      ...ECOMM_MODEL,
      operations: {
        ...ECOMM_MODEL.operations,
        "payment:hipstershop.PaymentService/Charge": { ...ECOMM_MODEL.operations["payment:hipstershop.PaymentService/Charge"]!, errorRate: 1 },
      },
    };
    const request = generateRequest(failing, mulberry32(4), { startMs: START_MS, entry: ECOMM_CHECKOUT_ENTRY });
    const failed = request.spans.filter((s) => s.status === "error").map((s) => [s.service, s.httpStatusCode]);
    expect(failed).toEqual([
      ["frontend", 500],
      ["checkout", 500],
      ["payment", 402],
    ]);
    expect(request.logs.filter((l) => l.labels.level === "error").map((l) => l.line.split(" ")[1])).toEqual([
      "service=frontend",
      "service=checkout",
      "service=payment",
    ]);
    expect(request.metrics.requests.filter((r) => r.labels.status !== "200").map((r) => r.labels)).toEqual([
      { namespace: "ecomm-prod", service: "frontend", status: "500" },
      { namespace: "ecomm-prod", service: "checkout", status: "500" },
      { namespace: "ecomm-prod", service: "payment", status: "402" },
    ]);
  });

  it("should draw entries by weight and fail on an undefined operation", () => {
    const rng = mulberry32(11);
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const { entry } = generateRequest(ECOMM_MODEL, rng, { startMs: START_MS });
      counts.set(entry, (counts.get(entry) ?? 0) + 1);
    }
    expect(counts.get(ECOMM_HOME_ENTRY)! / 2000).toBeGreaterThan(0.35);
    expect(counts.get(ECOMM_CHECKOUT_ENTRY)! / 2000).toBeLessThan(0.1);
    expect(() => generateRequest(ECOMM_MODEL, rng, { startMs: START_MS, entry: "frontend:GET /nope" })).toThrow(
      'service model: expected operation "frontend:GET /nope" to be defined, saw no such operation',
    );
    expect(() => generateRequest(ECOMM_MODEL, rng, { startMs: START_MS, traceId: "XYZ" })).toThrow(
      'generateRequest: expected a trace id of 32 lowercase hex digits, not all zero, saw "XYZ"',
    );
  });

  it("should report a cycle in the call graph instead of recursing forever", () => {
    const cyclic: ServiceModel = {
      namespace: "x",
      services: ["a"],
      operations: { "a:loop": { service: "a", name: "loop", selfLatency: { medianMs: 1, sigma: 0 }, errorRate: 0, calls: ["a:loop"] } },
      entries: [{ operation: "a:loop", weight: 1 }],
    };
    expect(() => spanCount(cyclic, "a:loop")).toThrow('service model: expected a call graph at most 32 deep, saw a cycle through "a:loop"');
  });
});
