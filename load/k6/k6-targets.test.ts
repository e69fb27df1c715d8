import path from "node:path";
import { describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { extractComponents } from "../../stack/manifest/component-spec.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { inClusterEndpoints } from "../../stack/runtimes/kube/in-cluster-endpoints.ts";
import { k6TargetsFrom } from "./k6-targets.ts";

describe("inClusterEndpoints", () => {
  it("should give k6 runner pods the manifests' Service addresses in the run namespace", async () => {
    const set = await loadManifests(path.resolve(import.meta.dirname, "../../stack/manifests"));
    const endpoints = inClusterEndpoints(extractComponents(set, COMPONENT_NAMES), "obsconf-run1");
    expect(endpoints.prometheus!.web).toEqual({
      host: "prometheus.obsconf-run1.svc.cluster.local",
      port: 9090,
      url: "http://prometheus.obsconf-run1.svc.cluster.local:9090",
    });
    const targets = k6TargetsFrom(endpoints);
    expect(targets.remoteWrite).toEqual({ available: true, url: "http://prometheus.obsconf-run1.svc.cluster.local:9090/api/v1/write", receiver: "prometheus" });
    expect(targets.lokiPush).toEqual({ available: true, baseUrl: "http://loki.obsconf-run1.svc.cluster.local:3100" });
    expect(targets.otlpGrpc).toEqual({ available: true, endpoint: "otel-collector.obsconf-run1.svc.cluster.local:4317", receiver: "otel-collector" });
    expect(targets.query.traceql).toEqual({ available: true, baseUrl: "http://tempo.obsconf-run1.svc.cluster.local:3200" });
  });
});
