import { describe, expect, it } from "vitest";
import { podSelector, readiness, type WorkloadObject } from "./workload-status.ts";

const statefulSet = (status: WorkloadObject["status"], generation = 2): WorkloadObject => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "prometheus", namespace: "obsconf-r1", generation },
  spec: { replicas: 2, selector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "r1" } } },
  status,
});

describe("readiness", () => {
  it("should be ready when the newest generation is observed and all replicas are updated and ready", () => {
    expect(readiness(statefulSet({ observedGeneration: 2, readyReplicas: 2, updatedReplicas: 2 }))).toEqual({ ready: true, summary: "2/2 ready" });
  });

  it("should say what holds a workload back", () => {
    expect(readiness(statefulSet({ observedGeneration: 1, readyReplicas: 2, updatedReplicas: 1 }))).toEqual({
      ready: false,
      summary: "2/2 ready, 1/2 updated, generation 2 not observed yet (observed 1)",
    });
    expect(readiness(statefulSet(undefined))).toEqual({ ready: false, summary: "0/2 ready, 0/2 updated, generation 2 not observed yet (observed none)" });
  });

  it("should compare a DaemonSet's ready nodes with its scheduled nodes", () => {
    const daemonSet: WorkloadObject = {
      kind: "DaemonSet",
      metadata: { name: "node-exporter", generation: 1 },
      status: { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3 },
    };
    expect(readiness(daemonSet)).toEqual({ ready: false, summary: "2/3 ready" });
  });
});

describe("podSelector", () => {
  it("should join the match labels as an equality selector", () => {
    expect(podSelector(statefulSet({}))).toBe("app.kubernetes.io/name=prometheus,app.kubernetes.io/instance=r1");
  });
});
