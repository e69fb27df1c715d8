import { describe, expect, it } from "vitest";
import { modelName, unknownFields } from "./unknown-fields.ts";

const deployment = (container: Record<string, unknown>, podSpec: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "x", labels: { a: "b" } },
  spec: {
    selector: { matchLabels: { a: "b" } },
    template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i", ...container }], ...podSpec } },
  },
});

describe("unknownFields", () => {
  it("should name the model of an apiVersion and kind", () => {
    expect([
      modelName("apps/v1", "Deployment"),
      modelName("v1", "ConfigMap"),
      modelName("networking.k8s.io/v1", "NetworkPolicy"),
      modelName("v1", "NoSuchKind"),
    ]).toEqual(["V1Deployment", "V1ConfigMap", "V1NetworkPolicy", undefined]);
  });

  it("should find a misspelt container field and a field at the wrong level, with their paths", () => {
    const found = unknownFields(
      deployment(
        { imagePullPolcy: "Always", resources: { requests: { cpu: "1" }, limit: { memory: "1Gi" } } },
        { hostNetwork: true, restartPolicy: "Always", replicas: 2 },
      ),
      "apps/v1",
      "Deployment",
    );
    expect(found.map((f) => [f.path, f.type])).toEqual([
      ["spec.template.spec.containers[0].imagePullPolcy", "V1Container"],
      ["spec.template.spec.containers[0].resources.limit", "V1ResourceRequirements"],
      ["spec.template.spec.replicas", "V1PodSpec"],
    ]);
    expect(found[0]!.known).toContain("imagePullPolicy");
  });

  it("should accept free-form maps (labels, ConfigMap data) and every field the API has", () => {
    expect(
      unknownFields(
        deployment({ imagePullPolicy: "Always", securityContext: { runAsNonRoot: true, capabilities: { drop: ["ALL"] } } }),
        "apps/v1",
        "Deployment",
      ),
    ).toEqual([]);
    expect(
      unknownFields(
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", annotations: { "a/b": "c" } }, data: { "prometheus.yml": "global: {}" } },
        "v1",
        "ConfigMap",
      ),
    ).toEqual([]);
  });
});
