import { HarnessError } from "../../../common/errors.ts";
import type { RenderedObject } from "./render.ts";

type Resources = { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
type Container = { name: string; resources?: Resources };
type PodTemplate = { spec?: { containers?: Container[]; initContainers?: Container[] } };

export interface WorkloadRequests {
  /** `StatefulSet prometheus`. */
  workload: string;
  /** Per pod times replicas (a DaemonSet counts one pod: the k3s runtime has one node). */
  cpuMillis: number;
  memoryBytes: number;
}

export interface SummedRequests {
  cpuMillis: number;
  memoryBytes: number;
  workloads: WorkloadRequests[];
}

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 } as const;
const DECIMAL = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 } as const;

/** A Kubernetes quantity (`500m`, `2`, `1.5Gi`, `512M`, `1e3`) as a number of base units. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E)?)$/.exec(quantity.trim());
  if (!match) throw new HarnessError(`not a Kubernetes quantity: ${JSON.stringify(quantity)} (expected e.g. 500m, 2, 512Mi, 1G)`);
  const value = Number(match[1]);
  if (match[2]) return value * BINARY[match[2] as keyof typeof BINARY];
  if (match[3]) return value * 10 ** Number(match[3].slice(1));
  return value * DECIMAL[(match[4] ?? "") as keyof typeof DECIMAL];
}

/** `2400m`, `6.1 GiB`: how the preflight prints what it compares. */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? `${millis / 1000} CPU` : `${(millis / 1000).toFixed(2).replace(/0$/, "")} CPU`;
}
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/**
 * The CPU and memory the scheduler must find for the rendered workloads: each pod's containers'
 * requests (an init container's request counts when larger, as the scheduler counts it) times the
 * workload's replicas; a DaemonSet counts one pod per node (`nodes`).
 */
export function summedRequests(rendered: readonly RenderedObject[], { nodes = 1 } = {}): SummedRequests {
  const workloads: WorkloadRequests[] = [];
  for (const { object } of rendered) {
    if (object.kind !== "Deployment" && object.kind !== "StatefulSet" && object.kind !== "DaemonSet") continue;
    const spec = object.spec as { replicas?: number; template?: PodTemplate };
    const pods = object.kind === "DaemonSet" ? nodes : (spec.replicas ?? 1);
    const pod = spec.template?.spec ?? {};
    const sum = (key: string, containers: readonly Container[] = []) =>
      containers.reduce((total, c) => total + parseQuantity(c.resources?.requests?.[key] ?? 0), 0);
    const max = (key: string, containers: readonly Container[] = []) => Math.max(0, ...containers.map((c) => parseQuantity(c.resources?.requests?.[key] ?? 0)));
    const cpuMillis = Math.round(Math.max(sum("cpu", pod.containers), max("cpu", pod.initContainers)) * 1000) * pods;
    const memoryBytes = Math.max(sum("memory", pod.containers), max("memory", pod.initContainers)) * pods;
    workloads.push({ workload: `${object.kind} ${object.metadata.name}`, cpuMillis, memoryBytes });
  }
  return {
    cpuMillis: workloads.reduce((t, w) => t + w.cpuMillis, 0),
    memoryBytes: workloads.reduce((t, w) => t + w.memoryBytes, 0),
    workloads,
  };
}

/**
 * Scales every container's CPU and memory requests (never limits, never the manifests on disk) by
 * `factor` in the rendered objects, for a profile that runs the stack on a smaller machine; returns
 * one rewrite line. CPU is rounded up to whole millicores, memory to whole MiB.
 */
export function scaleRequests(rendered: readonly RenderedObject[], factor: number): string {
  if (!(factor > 0 && factor <= 1)) throw new HarnessError(`requests scale must be in (0, 1], saw ${factor}`);
  const before = summedRequests(rendered);
  for (const { object } of rendered) {
    const pod = (object.spec as { template?: PodTemplate } | undefined)?.template?.spec;
    for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      const requests = container.resources?.requests;
      if (!requests) continue;
      if (requests.cpu !== undefined) requests.cpu = `${Math.max(1, Math.ceil(parseQuantity(requests.cpu) * 1000 * factor))}m`;
      if (requests.memory !== undefined) requests.memory = `${Math.max(1, Math.ceil((parseQuantity(requests.memory) * factor) / 2 ** 20))}Mi`;
    }
  }
  const after = summedRequests(rendered);
  return `requests scaled by ${factor}: ${formatCpu(before.cpuMillis)} -> ${formatCpu(after.cpuMillis)}, ${formatBytes(before.memoryBytes)} -> ${formatBytes(after.memoryBytes)} (limits and the manifests on disk unchanged)`;
}
