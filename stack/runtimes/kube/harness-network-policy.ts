import type { K8sObject } from "../../manifest/load-manifests.ts";
import type { RenderedObject } from "./render.ts";

export const HARNESS_POLICY_PREFIX = "obsconf-harness-";
/** Where the rendered harness policies say they came from (they are in no manifest file). */
export const HARNESS_POLICY_SOURCE = "obsconf runtime: NetworkPolicy admitting the harness";

export interface HarnessAccess {
  /** The Service ports the harness talks to, by Service and port name (node-ports.ts HARNESS_PORTS). */
  ports: readonly { service: string; port: string }[];
  /** Traffic from outside the cluster (NodePort, LoadBalancer): admit any source on those ports. */
  fromAnywhere: boolean;
  /** Harness pods inside the namespace (k6 runners) carry these labels: admit them on those ports. */
  podLabels?: Record<string, string>;
}

/**
 * When the manifests confine ingress with NetworkPolicies, the harness is a client the manifests
 * do not name: it reaches Services through NodePorts (k3s, a cluster's node-port or
 * load-balancer reach) or from k6 runner pods. One policy per Service the harness uses admits it
 * on exactly those ports; nothing is added when the manifests have no NetworkPolicy. Port-forward
 * traffic enters the pod on its loopback and needs none.
 */
export function harnessAccessPolicies(rendered: readonly RenderedObject[], access: HarnessAccess): RenderedObject[] {
  if (!rendered.some((o) => o.object.kind === "NetworkPolicy")) return [];
  if (!access.fromAnywhere && access.podLabels === undefined) return [];
  const byService = new Map<string, string[]>();
  for (const { service, port } of access.ports) byService.set(service, [...(byService.get(service) ?? []), port]);
  const policies: RenderedObject[] = [];
  for (const [name, portNames] of byService) {
    const service = rendered.find((o) => o.object.kind === "Service" && o.object.metadata.name === name)?.object;
    if (!service) continue;
    const spec = service.spec as { selector?: Record<string, string>; ports?: { name: string; port: number; targetPort?: string | number }[] };
    const ports = (spec.ports ?? []).filter((p) => portNames.includes(p.name)).map((p) => ({ port: p.targetPort ?? p.port }));
    if (ports.length === 0 || !spec.selector) continue;
    const ingress = [
      ...(access.podLabels ? [{ from: [{ podSelector: { matchLabels: { ...access.podLabels } } }], ports }] : []),
      ...(access.fromAnywhere ? [{ ports }] : []),
    ];
    const object: K8sObject = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: {
        name: `${HARNESS_POLICY_PREFIX}${name}`,
        ...(service.metadata.namespace ? { namespace: service.metadata.namespace } : {}),
        labels: { "app.kubernetes.io/part-of": "obsconf-harness" },
      },
      spec: { podSelector: { matchLabels: { ...spec.selector } }, policyTypes: ["Ingress"], ingress },
    };
    policies.push({ object, source: { file: HARNESS_POLICY_SOURCE, document: 0 } });
  }
  return policies;
}
