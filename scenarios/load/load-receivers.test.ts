import { describe, expect, it } from "vitest";
import type { ComponentPlan } from "../../stack/plan.ts";
import type { ComponentStatus, Endpoint, StackEndpoints, StartedStack } from "../../stack/started-stack.ts";
import { StackClients } from "../shared/stack-clients.ts";
import { loadReceivers } from "./load-receivers.ts";

const base = { title: "t", image: "img:1", manifestVersion: "1" };
const ep = (port: number): Endpoint => ({ host: "127.0.0.1", port, url: `http://127.0.0.1:${port}` });
const ready = (component: string, plan: Partial<ComponentPlan> = { mode: "process", binary: `/usr/bin/${component}`, versionMismatch: false }): ComponentStatus => ({
  plan: { ...base, component, ...plan } as ComponentPlan, status: { state: "ready", readyAfterMs: 1 },
});
const absent = (component: string): ComponentStatus => ({ plan: { ...base, component, mode: "unavailable", reason: `no ${component} on PATH` }, status: { state: "unavailable", reason: `no ${component} on PATH` } });
const substitute = (component: string, name: string) => ready(component, { mode: "substitute", substitute: name, binary: `/usr/bin/${name}`, describe: "stands in", reason: "absent" });

function stack(statuses: ComponentStatus[], endpoints: StackEndpoints): StartedStack {
  return { runtime: "local", runId: "r", runDir: "/tmp/r", components: () => statuses, endpoints: () => endpoints, rewrites: () => [], stop: async () => ({ runDir: "/tmp/r", exits: {} }), [Symbol.asyncDispose]: async () => {} };
}

describe("loadReceivers", () => {
  it("should send metrics to VictoriaMetrics standing in for Mimir on /api/v1/write, counted by its own counter, and mark it simulated", async () => {
    const s = stack([ready("prometheus"), substitute("mimir", "victoria-metrics"), absent("loki"), substitute("tempo", "tempo-reference-sink")], {
      prometheus: { web: ep(9090) }, mimir: { http: ep(8428) }, tempo: { http: ep(3200), "otlp-http": ep(4318) },
    });
    await using clients = new StackClients(s);
    const r = loadReceivers(clients, s);
    expect(r.metrics.kind === "ready" && { name: r.metrics.receiver.name, url: r.metrics.receiver.url, counter: r.metrics.receiver.counter.describe, simulatedBy: r.metrics.receiver.simulatedBy }).toEqual({
      name: "victoria-metrics (standing in for mimir)", url: "http://127.0.0.1:8428/api/v1/write",
      counter: 'vm_rows_inserted_total{type="promremotewrite"} at http://127.0.0.1:8428/metrics', simulatedBy: ["victoria-metrics (standing in for mimir)"],
    });
    expect(r.traces.kind === "ready" && [r.traces.receiver.url, r.traces.receiver.counter.describe]).toEqual(["http://127.0.0.1:4318/v1/traces", "tempo_distributor_spans_received_total at http://127.0.0.1:3200/metrics"]);
    expect(r.logs).toEqual({ kind: "unavailable", status: absent("loki") });
  });

  it("should fall back to Prometheus' remote-write receiver without a long-term store, and prefer the collector for traces", async () => {
    const s = stack([ready("prometheus"), absent("mimir"), ready("loki"), ready("tempo"), ready("otel-collector")], {
      prometheus: { web: ep(9090) }, loki: { http: ep(3100) }, tempo: { http: ep(3200), "otlp-http": ep(4318) }, "otel-collector": { "otlp-http": ep(14318), metrics: ep(8888) },
    });
    await using clients = new StackClients(s);
    const r = loadReceivers(clients, s);
    expect(r.metrics.kind === "ready" && [r.metrics.receiver.url, r.metrics.receiver.counter.describe, r.metrics.receiver.simulatedBy]).toEqual(["http://127.0.0.1:9090/api/v1/write", "prometheus_tsdb_head_samples_appended_total at http://127.0.0.1:9090/metrics", []]);
    expect(r.logs.kind === "ready" && [r.logs.receiver.url, r.logs.receiver.counter.describe]).toEqual(["http://127.0.0.1:3100/loki/api/v1/push", "loki_distributor_bytes_received_total at http://127.0.0.1:3100/metrics"]);
    expect(r.traces.kind === "ready" && [r.traces.receiver.url, r.traces.receiver.counter.describe]).toEqual(["http://127.0.0.1:14318/v1/traces", "otelcol_receiver_accepted_spans at http://127.0.0.1:8888/metrics"]);
  });
});
