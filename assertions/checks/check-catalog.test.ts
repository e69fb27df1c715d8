import { describe, expect, it } from "vitest";
import { loadContract, untargetedReason } from "../contract.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { CHAOS_CHECKS, CHECKS, catalogTarget, chaosSignalIdentity, chaosTarget, checkDef, componentsThrough, type CheckId } from "./check-catalog.ts";

describe("check catalog", () => {
  const contract = loadContract();

  it("should give every check a contract target or the contract's row saying why it has none", () => {
    const gaps = (Object.keys(CHECKS) as CheckId[]).filter(
      (id) => catalogTarget(contract, id) === undefined && checkDef(id).targetFrom === undefined && untargetedReason(contract, id) === undefined,
    );
    expect(gaps).toEqual([]);
    expect(Object.keys(CHAOS_CHECKS).filter((kind) => untargetedReason(contract, `chaos.kill-prometheus.${kind}`) === undefined)).toEqual([]);
  });

  it("should name only known components as what a check goes through", () => {
    const unknown = Object.entries(CHECKS).flatMap(([id, def]) =>
      ("through" in def ? def.through : []).filter((c) => !COMPONENT_NAMES.includes(c)).map((c) => `${id}: ${c}`),
    );
    expect(unknown).toEqual([]);
  });

  it("should start only what the kept checks go through, and the whole stack when one of them needs it", () => {
    expect(componentsThrough(["alerts.delivery.pagerduty", "config.prometheus.retention", "metrics.ingestion.long-term"])).toEqual([
      "prometheus",
      "alertmanager",
      "mimir",
    ]);
    expect(componentsThrough(["metrics.ingestion.push", "throughput.metrics"])).toBeUndefined();
    expect(componentsThrough(["chaos.kill:prometheus.fault"])).toBeUndefined();
    expect(componentsThrough([])).toBeUndefined();
  });

  it("should pick the longest matching untargeted prefix and match whole id segments only", () => {
    const rows = {
      untargeted: [
        { prefix: "security.", reason: "static", source: "c#untargeted.security." },
        { prefix: "alerts.delivery.email", reason: "summary", source: "c#untargeted.alerts.delivery.email" },
      ],
    };
    expect(untargetedReason(rows, "security.rbac")?.reason).toBe("static");
    expect(untargetedReason(rows, "alerts.delivery.email")?.reason).toBe("summary");
    expect(untargetedReason(rows, "alerts.delivery.emailx")).toBeUndefined();
    expect(untargetedReason(rows, "alerts.delivery.pagerduty")).toBeUndefined();
  });

  it("should name a drill stream's checks after the stream and judge them by its signal's targets (long-term by the metrics RPO)", () => {
    expect(chaosSignalIdentity("kill:mimir", "rpo", "metrics.long-term", 1, ["victoria-metrics (standing in for mimir)"])).toEqual({
      id: "chaos.kill:mimir.rpo.metrics.long-term",
      title: "RPO, metrics, remote write straight into the long-term store (through victoria-metrics (standing in for mimir)) (kill:mimir)",
      pillar: "metrics",
      startedAtMs: 1,
    });
    expect(chaosSignalIdentity("pause:kafka", "delivery", "logs.kafka", 2)).toEqual({
      id: "chaos.pause:kafka.delivery.logs.kafka",
      title: "Delivery of what the collector acknowledged within the ingestion target, logs, OTLP -> collector -> Kafka (pause:kafka)",
      pillar: "logs",
      startedAtMs: 2,
    });
    expect(chaosSignalIdentity("kill:prometheus", "rto", "metrics", 3).title).toBe("RTO and time to steady state, metrics (kill:prometheus)");
    expect(chaosTarget(contract, "rpo", "metrics.long-term")).toBe(contract.targets["rpo.metrics"]);
    expect(chaosTarget(contract, "rpo", "traces.kafka")).toBe(contract.targets["rpo.traces"]);
    expect(chaosTarget(contract, "rto", "logs.kafka")).toBe(contract.targets.rto);
    expect(chaosTarget(contract, "delivery", "metrics.kafka")).toBe(contract.targets["latency.ingestion.metrics"]);
  });
});
