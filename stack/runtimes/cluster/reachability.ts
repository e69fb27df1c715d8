import { CoreV1Api, type KubeConfig, type V1Node, type V1Service } from "@kubernetes/client-node";
import { systemClock, type Clock } from "../../../common/clock.ts";
import { HarnessError, InputError } from "../../../common/errors.ts";
import { pollUntil } from "../../../common/poll-until.ts";
import type { KubeObject } from "../kube-api/kube-object.ts";

/** How the harness reaches the stack's Services on a cluster. */
export type Reachability = "port-forward" | "node-port" | "load-balancer";
export const REACHABILITIES: readonly Reachability[] = ["port-forward", "node-port", "load-balancer"];

export const REACHABILITY_TEXT: Readonly<Record<Reachability, string>> = {
  "port-forward":
    "port-forward through the API server (kubectl port-forward's protocol): needs only the pods/portforward permission and reaches the cluster from wherever the kubeconfig does; nothing is exposed",
  "node-port": "NodePort Services (ports allocated by the cluster) reached at a node's ExternalIP, else its InternalIP: needs this machine to reach the nodes",
  "load-balancer":
    "LoadBalancer Services reached at the address the cluster's load balancer assigns: needs a load-balancer controller (cloud, MetalLB) and may cost money",
};

export function parseReachability(value: string): Reachability {
  if (!REACHABILITIES.includes(value as Reachability))
    throw new InputError({ file: "command line", field: "--reach" }, `one of ${REACHABILITIES.join(", ")}`, JSON.stringify(value));
  return value as Reachability;
}

/** The harness's Service ports, keyed by Service name. */
export type WantedPorts = readonly { service: string; port: string }[];

/**
 * For node-port and load-balancer: the Services the harness needs get that type (the cluster
 * allocates the node ports: a fixed port could clash with another team's on a shared cluster).
 * Port-forward changes nothing. Mutates and returns `objects`.
 */
export function exposeServices(objects: KubeObject[], wanted: WantedPorts, reach: Reachability): KubeObject[] {
  if (reach === "port-forward") return objects;
  const services = new Set(wanted.map((w) => w.service));
  for (const object of objects) {
    if (object.kind !== "Service" || !services.has(object.metadata.name)) continue;
    const spec = object.spec as { type?: string; clusterIP?: string };
    if (spec.clusterIP === "None")
      throw new HarnessError(
        `cannot expose headless Service ${object.metadata.namespace}/${object.metadata.name} as ${reach === "node-port" ? "NodePort" : "LoadBalancer"}`,
      );
    spec.type = reach === "node-port" ? "NodePort" : "LoadBalancer";
  }
  return objects;
}

export interface ExposedPort {
  service: string;
  port: string;
  host: string;
  hostPort: number;
}

export interface ResolveExposedOptions {
  /** How long a LoadBalancer may take to get an address. */
  timeoutMs?: number;
  intervalMs?: number;
  clock?: Clock;
}

/** Where each wanted Service port is reachable from here once the Services are exposed. */
export async function resolveExposed(
  kc: KubeConfig,
  namespace: string,
  wanted: WantedPorts,
  reach: Exclude<Reachability, "port-forward">,
  options: ResolveExposedOptions = {},
): Promise<ExposedPort[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const { timeoutMs = 300_000, intervalMs = 2_000, clock = systemClock } = options;
  const host = reach === "node-port" ? nodeAddress((await core.listNode()).items) : undefined;
  const exposed: ExposedPort[] = [];
  for (const service of [...new Set(wanted.map((w) => w.service))]) {
    const read = () => core.readNamespacedService({ name: service, namespace });
    const svc =
      reach === "node-port"
        ? await read()
        : await pollUntil(`LoadBalancer address of Service ${namespace}/${service}`, read, (s) => balancerAddress(s) !== undefined, {
            timeoutMs,
            intervalMs,
            clock,
            describe: () => "no status.loadBalancer.ingress yet",
          });
    for (const { port } of wanted.filter((w) => w.service === service)) {
      const spec = svc.spec?.ports?.find((p) => p.name === port);
      if (!spec) throw new HarnessError(`Service ${namespace}/${service} has no port named ${port}`);
      if (reach === "node-port") {
        if (!spec.nodePort) throw new HarnessError(`Service ${namespace}/${service} port ${port} has no nodePort (type ${svc.spec?.type ?? "ClusterIP"})`);
        exposed.push({ service, port, host: host!, hostPort: spec.nodePort });
      } else {
        exposed.push({ service, port, host: balancerAddress(svc)!, hostPort: spec.port });
      }
    }
  }
  return exposed;
}

/** The first Ready node's ExternalIP, else its InternalIP (nodes sorted by name). */
export function nodeAddress(nodes: readonly V1Node[]): string {
  const ready = [...nodes]
    .filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  for (const type of ["ExternalIP", "InternalIP"]) {
    const address = ready.flatMap((n) => n.status?.addresses ?? []).find((a) => a.type === type)?.address;
    if (address) return address;
  }
  throw new HarnessError(
    `no Ready node with an ExternalIP or InternalIP address (${nodes.length} nodes, ${ready.length} Ready): NodePort reachability needs one; use --reach port-forward`,
  );
}

function balancerAddress(svc: V1Service): string | undefined {
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  return ingress?.ip ?? ingress?.hostname;
}
