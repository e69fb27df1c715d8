import { hostname } from "node:os";
import path from "node:path";
import { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL } from "../kube/run-namespace.ts";
import { K3S_AIRGAP_IMAGES_DIR } from "../kube/versions.ts";
import { RUNNER_LABEL } from "./cleanup-containers.ts";
import type { DockerEngine } from "./docker-engine.ts";
import type { K3sPlan } from "./k3s-plan.ts";

/** Docker label naming the containerd image-store volume a k3s container uses (one user at a time). */
export const IMAGE_STORE_LABEL = "obsconf.dev/image-store";
/** Where k3s's containerd keeps its content store, snapshots and metadata. */
export const K3S_CONTAINERD_DIR = "/var/lib/rancher/k3s/agent/containerd";

/** The k3s container as obsconf starts it: what K3sRuntime hands to @testcontainers/k3s. */
export interface K3sContainerSpec {
  image: string;
  /** k3s server flags: traefik, servicelb and metrics-server are disabled (not part of the stack: fewer images and CPU). */
  command: string[];
  labels: Record<string, string>;
  exposedPorts: number[];
  copies: { source: string; target: string }[];
  /**
   * HostConfig.Binds. testcontainers' `withBindMounts` replaces the list, so the k3s module's own
   * `/sys/fs/cgroup` bind is restated here beside the named volume of the containerd image store
   * (kept between runs: images are pulled once, not every run).
   */
  binds: { source: string; target: string }[];
  /** `host.docker.internal` -> the engine's host gateway: the address pods reach this machine at, on Linux and VM engines alike. */
  extraHosts: { host: string; ipAddress: string }[];
  /** k3s's own log (stdout and stderr of the container), kept in the run directory. */
  logFile: string;
  /** Lines for `rewrites()`: what was chosen and why. */
  notes: string[];
}

export type ImageStore = { volume: string } | { volume?: undefined; reason: string };

/**
 * Every run used to pull every image into a store deleted with the container (anonymous Docker Hub
 * pulls are limited per hour). The store now lives in a named volume per k3s version that the next
 * run finds full. containerd's metadata cannot be shared by two k3s at once: when another obsconf
 * k3s container holds the volume, this run gets a store of its own, and says so.
 */
export async function chooseImageStore(engine: DockerEngine, image: string): Promise<ImageStore> {
  const volume = `obsconf-k3s-containerd-${image.split(":")[1] ?? "latest"}`.replace(/[^A-Za-z0-9_.-]/g, "-");
  const users = await engine.containersLabelled({ [MANAGED_BY_LABEL]: MANAGED_BY, [IMAGE_STORE_LABEL]: volume }).catch(() => []);
  const running = users.find((c) => c.state === "running" || c.state === "created" || c.state === "restarting");
  if (running)
    return {
      reason: `the image store volume ${volume} is in use by ${running.name} (run ${running.labels[RUN_ID_LABEL] ?? "?"}): this run pulls into a store of its own`,
    };
  return { volume };
}

export function k3sContainerSpec(plan: K3sPlan, { runId, runDir, store }: { runId: string; runDir: string; store: ImageStore }): K3sContainerSpec {
  const copies = plan.images.preload.copyToAirgapDir.map((source) => ({ source, target: path.posix.join(K3S_AIRGAP_IMAGES_DIR, path.basename(source)) }));
  const notes = [
    store.volume
      ? `k3s: containerd image store in the Docker volume ${store.volume} (kept between runs: images are pulled once; docker volume rm ${store.volume} frees it)`
      : `k3s: ${"reason" in store ? store.reason : ""}`,
  ];
  return {
    image: plan.image,
    command: ["server", "--disable=traefik,servicelb,metrics-server"],
    labels: {
      [MANAGED_BY_LABEL]: MANAGED_BY,
      [RUN_ID_LABEL]: runId,
      [RUNNER_LABEL]: `${hostname()}/${process.pid}`,
      ...(store.volume ? { [IMAGE_STORE_LABEL]: store.volume } : {}),
    },
    exposedPorts: plan.exposures.map((e) => e.nodePort),
    copies,
    binds: [{ source: "/sys/fs/cgroup", target: "/sys/fs/cgroup" }, ...(store.volume ? [{ source: store.volume, target: K3S_CONTAINERD_DIR }] : [])],
    extraHosts: [{ host: "host.docker.internal", ipAddress: "host-gateway" }],
    logFile: path.join(runDir, "k3s.log"),
    notes,
  };
}
