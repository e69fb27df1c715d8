import { formatBytes, formatCpu, type SummedRequests } from "../kube/resource-requests.ts";

/** What the container engine's `GET /info` says about the machine k3s would run on. */
export interface EngineFacts {
  cpus: number;
  memoryBytes: number;
  /** `1` or `2`; undefined when the engine does not say (old engines, Podman). */
  cgroupVersion?: string;
  rootless: boolean;
  /** Docker Desktop, Colima, OrbStack, Rancher Desktop or Podman Machine: the engine runs in a VM, not on this host. */
  vm?: string;
  architecture: string;
  /** Docker's containerd image store: `docker save` writes every platform's index but only the pulled platform's blobs. */
  containerdImageStore: boolean;
  serverVersion: string;
}

/** Parses the engine's `/info` body (Docker Engine API; Podman's compat API answers the same fields). */
export function engineFactsOf(info: Record<string, unknown>): EngineFacts {
  const securityOptions = Array.isArray(info.SecurityOptions) ? (info.SecurityOptions as string[]) : [];
  const os = String(info.OperatingSystem ?? "");
  const name = String(info.Name ?? "");
  const driverStatus = Array.isArray(info.DriverStatus) ? (info.DriverStatus as [string, string][]) : [];
  const vm = /Docker Desktop/i.test(os)
    ? "Docker Desktop"
    : /Rancher Desktop/i.test(os) || /rancher-desktop/i.test(name)
      ? "Rancher Desktop"
      : /OrbStack/i.test(os) || /orbstack/i.test(name)
        ? "OrbStack"
        : /colima/i.test(name)
          ? "Colima"
          : /podman-machine/i.test(name)
            ? "Podman Machine"
            : undefined;
  return {
    cpus: Number(info.NCPU ?? 0),
    memoryBytes: Number(info.MemTotal ?? 0),
    ...(info.CgroupVersion !== undefined && info.CgroupVersion !== "" ? { cgroupVersion: String(info.CgroupVersion) } : {}),
    rootless: securityOptions.some((o) => o.split(",").includes("name=rootless")),
    ...(vm ? { vm } : {}),
    architecture: String(info.Architecture ?? "unknown"),
    containerdImageStore: driverStatus.some(([key, value]) => key === "driver-type" && value === "io.containerd.snapshotter.v1"),
    serverVersion: String(info.ServerVersion ?? "unknown"),
  };
}

/**
 * What k3s takes for itself before the stack's pods: CoreDNS requests 100m and 70Mi, the kubelet
 * evicts below 100Mi available (memory.available<100Mi), and the k3s server process (API server,
 * controllers, containerd, kine) needs about 0.5 CPU and 1 GiB to keep up (k3s documents 2 CPU and
 * 2 GB as a server's minimum). Requests are compared with what is left.
 */
export const K3S_OWN_CPU_MILLIS = 100 + 500;
export const K3S_OWN_MEMORY_BYTES = (70 + 100 + 1024) * 2 ** 20;

export interface PreflightResult {
  /** Each reason k3s cannot run the stack on this engine; empty when it can. */
  blockers: string[];
  /** What the user should know (a VM engine, the image store). */
  notes: string[];
}

/**
 * Before anything starts (seconds, not a 10-minute rollout timeout): cgroup v1 (the kubelet of the
 * pinned k3s refuses it: KubeletConfiguration failCgroupV1 defaults to true since Kubernetes 1.35),
 * rootless engines (k3s needs a privileged container with cgroup delegation obsconf does not set
 * up), and the stack's summed requests against the engine's CPUs and memory minus k3s's own share.
 */
export function k3sPreflight(facts: EngineFacts, requests?: SummedRequests): PreflightResult {
  const blockers: string[] = [];
  const notes: string[] = [];
  if (facts.cgroupVersion === "1") {
    blockers.push(
      "the engine runs cgroup v1: the pinned k3s's kubelet (Kubernetes 1.36) refuses cgroup v1 (failCgroupV1 defaults to true since 1.35); boot the engine's host with cgroup v2 (systemd.unified_cgroup_hierarchy=1)",
    );
  }
  if (facts.rootless) {
    blockers.push(
      "the engine is rootless Docker: k3s needs a privileged container that owns its cgroups, which rootless Docker gives only with cgroup v2 delegation that obsconf does not set up; use a rootful engine (or Docker Desktop)",
    );
  }
  if (requests) {
    const cpuMillis = facts.cpus * 1000 - K3S_OWN_CPU_MILLIS;
    const memoryBytes = facts.memoryBytes - K3S_OWN_MEMORY_BYTES;
    const top = [...requests.workloads]
      .sort((a, b) => b.cpuMillis - a.cpuMillis)
      .slice(0, 3)
      .map((w) => `${w.workload} ${formatCpu(w.cpuMillis)}`)
      .join(", ");
    if (requests.cpuMillis > cpuMillis) {
      blockers.push(
        `the stack requests ${formatCpu(requests.cpuMillis)} (largest: ${top}) but the engine has ${facts.cpus} CPUs, ${formatCpu(Math.max(0, cpuMillis))} after k3s's own ${formatCpu(K3S_OWN_CPU_MILLIS)}: pods would stay Pending; short by ${formatCpu(requests.cpuMillis - cpuMillis)}. Give the engine ${Math.ceil((requests.cpuMillis + K3S_OWN_CPU_MILLIS) / 1000)} CPUs${facts.vm ? ` (${facts.vm}: its VM settings)` : ""}, or run a profile whose kube.requestsScale scales the requests down (profiles in assertions/contract.yaml)`,
      );
    }
    if (requests.memoryBytes > memoryBytes) {
      blockers.push(
        `the stack requests ${formatBytes(requests.memoryBytes)} of memory but the engine has ${formatBytes(facts.memoryBytes)}, ${formatBytes(Math.max(0, memoryBytes))} after k3s's own ${formatBytes(K3S_OWN_MEMORY_BYTES)}: pods would stay Pending; short by ${formatBytes(requests.memoryBytes - memoryBytes)}. Give the engine ${Math.ceil((requests.memoryBytes + K3S_OWN_MEMORY_BYTES) / 2 ** 30)} GiB${facts.vm ? ` (${facts.vm}: its VM settings)` : ""}, or run a profile whose kube.requestsScale scales the requests down (profiles in assertions/contract.yaml)`,
      );
    }
  }
  if (facts.vm) {
    notes.push(
      `${facts.vm}: the engine runs in a VM, so pods reach this machine through the engine's host gateway (host.docker.internal) or testcontainers' host port exposure, never the bridge gateway; the CPUs and memory above are the VM's`,
    );
  }
  if (facts.containerdImageStore) {
    notes.push(
      "the engine uses the containerd image store: docker save writes every platform's index but only the pulled platform's layers, which k3s's all-platform import refuses; save with docker save --platform (Docker 28+)",
    );
  }
  return { blockers, notes };
}
