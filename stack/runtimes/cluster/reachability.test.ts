import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../common/clock.ts";
import { startKubeApiDouble } from "../kube-api/kube-api-double.ts";
import type { KubeObject } from "../kube-api/kube-object.ts";
import { exposeServices, parseReachability, resolveExposed } from "./reachability.ts";

const service = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "obsconf-r1" },
  spec: { selector: { app: name }, ports: [{ name: "http", port: 3100, targetPort: 3100, ...extra }] },
});
const node = (name: string, ready: boolean, addresses: { type: string; address: string }[]) => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }], addresses },
});

describe("exposeServices", () => {
  it("should make only the wanted Services NodePort or LoadBalancer, leaving the node ports to the cluster", () => {
    const objects = [service("loki"), service("kafka")];
    exposeServices(objects, [{ service: "loki", port: "http" }], "node-port");
    expect(objects.map((o) => (o.spec as { type?: string }).type)).toEqual(["NodePort", undefined]);
    expect((objects[0]!.spec as { ports: { nodePort?: number }[] }).ports[0]!.nodePort).toBeUndefined();
    expect(exposeServices([service("loki")], [{ service: "loki", port: "http" }], "port-forward")[0]!.spec).not.toHaveProperty("type");
    expect(() => exposeServices([{ ...service("loki"), spec: { clusterIP: "None" } }], [{ service: "loki", port: "http" }], "load-balancer")).toThrow(
      "cannot expose headless Service obsconf-r1/loki as LoadBalancer",
    );
  });

  it("should refuse an unknown --reach", () => {
    expect(() => parseReachability("ingress")).toThrow('command line: field --reach: expected one of port-forward, node-port, load-balancer, saw "ingress"');
  });
});

describe("resolveExposed", () => {
  it("should reach a NodePort at the first Ready node's ExternalIP", async () => {
    await using api = await startKubeApiDouble();
    api.seed(
      node("a", false, [{ type: "ExternalIP", address: "203.0.113.9" }]),
      node("b", true, [{ type: "InternalIP", address: "10.0.0.2" }]),
      node("c", true, [
        { type: "InternalIP", address: "10.0.0.3" },
        { type: "ExternalIP", address: "203.0.113.3" },
      ]),
      { ...service("loki", { nodePort: 31234 }), spec: { type: "NodePort", ports: [{ name: "http", port: 3100, nodePort: 31234 }] } },
    );
    expect(await resolveExposed(api.kubeConfig(), "obsconf-r1", [{ service: "loki", port: "http" }], "node-port")).toEqual([
      { service: "loki", port: "http", host: "203.0.113.3", hostPort: 31234 },
    ]);
  });

  it("should wait for a LoadBalancer address to the deadline and say what it last saw", async () => {
    await using api = await startKubeApiDouble();
    api.seed(service("loki"));
    await expect(
      resolveExposed(api.kubeConfig(), "obsconf-r1", [{ service: "loki", port: "http" }], "load-balancer", {
        timeoutMs: 1_000,
        intervalMs: 250,
        clock: new ManualClock(),
      }),
    ).rejects.toThrow("LoadBalancer address of Service obsconf-r1/loki not ready after 1000ms (last: no status.loadBalancer.ingress yet)");
    api.seed({ ...service("loki"), status: { loadBalancer: { ingress: [{ ip: "198.51.100.7" }] } } });
    expect(await resolveExposed(api.kubeConfig(), "obsconf-r1", [{ service: "loki", port: "http" }], "load-balancer")).toEqual([
      { service: "loki", port: "http", host: "198.51.100.7", hostPort: 3100 },
    ]);
  });
});
