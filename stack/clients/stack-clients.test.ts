import { describe, expect, it } from "vitest";
import type { ComponentPlan } from "../plan.ts";
import type { ComponentStatus, Endpoint, StackEndpoints, StartedStack } from "../started-stack.ts";
import { StackClients } from "./stack-clients.ts";

const base = { title: "t", image: "img:1", manifestVersion: "1" };
const ep = (port: number): Endpoint => ({ host: "127.0.0.1", port, url: `http://127.0.0.1:${port}` });
const ready = (
  component: string,
  plan: Partial<ComponentPlan> = { mode: "process", binary: `/usr/bin/${component}`, versionMismatch: false },
): ComponentStatus => ({
  plan: { ...base, component, ...plan } as ComponentPlan,
  status: { state: "ready", readyAfterMs: 1 },
});
const absent = (component: string): ComponentStatus => ({
  plan: { ...base, component, mode: "unavailable", reason: `no ${component} on PATH` },
  status: { state: "unavailable", reason: `no ${component} on PATH` },
});
const substitute = (component: string, name: string) =>
  ready(component, { mode: "substitute", substitute: name, binary: `/usr/bin/${name}`, describe: "stands in", reason: "absent" });

function stack(statuses: ComponentStatus[], endpoints: StackEndpoints): StartedStack {
  return {
    runtime: "local",
    runId: "r",
    runDir: "/tmp/r",
    components: () => statuses,
    endpoints: () => endpoints,
    rewrites: () => [],
    stop: async () => ({ runDir: "/tmp/r", exits: {} }),
    [Symbol.asyncDispose]: async () => {},
  };
}

describe("StackClients", () => {
  it("should send metrics load to VictoriaMetrics standing in for Mimir on /api/v1/write, counted by its own counter, and mark it simulated", async () => {
    await using clients = new StackClients(
      stack([ready("prometheus"), substitute("mimir", "victoria-metrics"), absent("loki"), substitute("tempo", "tempo-reference-sink")], {
        prometheus: { web: ep(9090) },
        mimir: { http: ep(8428) },
        tempo: { http: ep(3200), "otlp-http": ep(4318) },
      }),
    );
    const { metrics, logs, traces } = clients.receivers;
    expect(
      metrics.kind === "ready" && {
        name: metrics.value.name,
        url: metrics.value.url,
        counter: metrics.value.counter.describe,
        simulatedBy: metrics.simulatedBy,
      },
    ).toEqual({
      name: "victoria-metrics (standing in for mimir)",
      url: "http://127.0.0.1:8428/api/v1/write",
      counter: 'vm_rows_inserted_total{type="promremotewrite"} at http://127.0.0.1:8428/metrics',
      simulatedBy: ["victoria-metrics (standing in for mimir)"],
    });
    expect(traces.kind === "ready" && [traces.value.url, traces.value.counter.describe]).toEqual([
      "http://127.0.0.1:4318/v1/traces",
      "tempo_distributor_spans_received_total at http://127.0.0.1:3200/metrics",
    ]);
    expect(logs).toEqual({ kind: "absent", reason: "loki: no loki on PATH", status: "unavailable" });
    expect(clients.loki).toEqual({ kind: "absent", reason: "loki: no loki on PATH", status: "unavailable" });
    expect(clients.remoteWrite).toEqual({
      kind: "ready",
      value: { url: "http://127.0.0.1:9090/api/v1/write", path: "remote write -> prometheus" },
      simulatedBy: [],
      components: ["prometheus"],
    });
    expect(clients.otlp.kind === "ready" && [clients.otlp.value.url, clients.otlp.value.viaCollector, clients.otlp.simulatedBy]).toEqual([
      "http://127.0.0.1:4318/v1/traces",
      false,
      ["tempo-reference-sink (standing in for tempo)"],
    ]);
  });

  it("should fall back to Prometheus' remote-write receiver without a long-term store, and prefer the collector for traces", async () => {
    await using clients = new StackClients(
      stack([ready("prometheus"), absent("mimir"), ready("loki"), ready("tempo"), ready("otel-collector")], {
        prometheus: { web: ep(9090) },
        loki: { http: ep(3100) },
        tempo: { http: ep(3200), "otlp-http": ep(4318) },
        "otel-collector": { "otlp-http": ep(14318), metrics: ep(8888) },
      }),
    );
    const { metrics, logs, traces } = clients.receivers;
    expect(metrics.kind === "ready" && [metrics.value.url, metrics.value.counter.describe, metrics.simulatedBy]).toEqual([
      "http://127.0.0.1:9090/api/v1/write",
      "prometheus_tsdb_head_samples_appended_total at http://127.0.0.1:9090/metrics",
      [],
    ]);
    expect(logs.kind === "ready" && [logs.value.url, logs.value.counter.describe]).toEqual([
      "http://127.0.0.1:3100/loki/api/v1/push",
      "loki_distributor_bytes_received_total at http://127.0.0.1:3100/metrics",
    ]);
    expect(traces.kind === "ready" && [traces.value.url, traces.value.counter.describe]).toEqual([
      "http://127.0.0.1:14318/v1/traces",
      "otelcol_receiver_accepted_spans at http://127.0.0.1:8888/metrics",
    ]);
    expect(clients.otlp.kind === "ready" && [clients.otlp.value.url, clients.otlp.value.path, clients.otlp.value.viaCollector]).toEqual([
      "http://127.0.0.1:14318/v1/traces",
      "OTLP/HTTP -> otel-collector -> tempo",
      true,
    ]);
    expect(clients.longTerm).toEqual({ kind: "absent", reason: "mimir: no mimir on PATH", status: "unavailable" });
  });

  it("should make a component that did not start a verdict (fail at the pin, error at another version), and reach past a fault proxy only when asked", async () => {
    const failed: ComponentStatus = {
      plan: { ...base, component: "alertmanager", mode: "process", binary: "/x/alertmanager", binaryVersion: "0.28.1", versionMismatch: false },
      status: { state: "error", error: "exited with code 1\nlast lines" },
    };
    const older: ComponentStatus = {
      plan: { ...base, component: "loki", manifestVersion: "3.5.0", mode: "process", binary: "/x/loki", binaryVersion: "2.8.0", versionMismatch: true },
      status: { state: "error", error: "exited with code 1" },
    };
    const s = stack([ready("prometheus"), failed, older], { prometheus: { web: ep(19090) } });
    const proxy = { upstream: ep(9090) };
    s.control = (component) => (component === "prometheus" ? ({ proxy: (port: string) => (port === "web" ? proxy : undefined) } as never) : undefined);
    await using through = new StackClients(s);
    await using past = new StackClients(s, { pastFaultProxies: true });
    expect(through.alertmanager).toEqual({ kind: "absent", reason: "alertmanager 0.28.1 did not start: exited with code 1\nlast lines", status: "fail" });
    expect(through.loki).toEqual({
      kind: "absent",
      reason: "loki 2.8.0 (/x/loki) did not start, and the manifests pin 3.5.0: no verdict on the stack at another version; its error: exited with code 1",
      status: "error",
    });
    expect(through.endpoint("prometheus", "web")).toMatchObject({ kind: "ready", value: { port: 19090 } });
    expect(past.endpoint("prometheus", "web")).toMatchObject({ kind: "ready", value: { port: 9090 } });
  });
});
