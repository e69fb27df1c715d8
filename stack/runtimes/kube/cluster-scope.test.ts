import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "../../manifest/load-manifests.ts";
import { scopePromtailDiscovery, scopeToRunNamespace, scopeVectorKubernetesLogs } from "./cluster-scope.ts";
import { renderForTarget } from "./render.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

describe("scopeToRunNamespace", () => {
  it("should give the paths a run writes on the node their own name and limit the log agents to the run namespace", async () => {
    const rendered = renderForTarget(await loadManifests(MANIFESTS), { kind: "cluster", namespace: "obsconf-r1", runId: "r1" });
    expect(scopeToRunNamespace(rendered, "obsconf-r1", "r1")).toEqual([
      "cluster: ConfigMap promtail-config promtail.yaml: log discovery limited to namespace obsconf-r1",
      "cluster: ConfigMap vector-config vector.yaml: log discovery limited to namespace obsconf-r1",
      "cluster: DaemonSet promtail: hostPath positions /run/promtail -> /run/promtail-obsconf-r1 (a path the run writes, apart from the node's own agents)",
    ]);
    const promtail = rendered.find((o) => o.object.kind === "ConfigMap" && o.object.metadata.name === "promtail-config")!.object as unknown as {
      data: Record<string, string>;
    };
    expect(promtail.data["promtail.yaml"]).toContain(
      "    kubernetes_sd_configs:\n      - role: pod\n        namespaces:\n          names: [obsconf-r1]\n        # Only this node's pods",
    );
  });

  it("should leave discovery that already names namespaces alone", () => {
    const text = "kubernetes_sd_configs:\n  - role: pod\n    namespaces:\n      names: [a]\n";
    expect(scopePromtailDiscovery(text, "b")).toBe(text);
    expect(scopeVectorKubernetesLogs("  k:\n    type: kubernetes_logs\n", "ns")).toBe(
      '  k:\n    type: kubernetes_logs\n    extra_field_selector: "metadata.namespace=ns"\n',
    );
  });

  it("should label the run namespace for Pod Security and the StatefulSets' claims with the run", async () => {
    const rendered = renderForTarget(await loadManifests(MANIFESTS), { kind: "cluster", namespace: "obsconf-r1", runId: "r1" });
    expect(rendered.find((o) => o.object.kind === "Namespace")!.object.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "privileged",
      "obsconf.dev/run-id": "r1",
    });
    const loki = rendered.find((o) => o.object.kind === "StatefulSet" && o.object.metadata.name === "loki")!.object as unknown as {
      spec: { volumeClaimTemplates: { metadata: { labels: Record<string, string> } }[] };
    };
    expect(loki.spec.volumeClaimTemplates[0]!.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "obsconf",
      "obsconf.dev/run-id": "r1",
      "app.kubernetes.io/name": "loki",
    });
  });
});
