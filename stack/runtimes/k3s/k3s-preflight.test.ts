import path from "node:path";
import { describe, expect, it } from "vitest";
import { K3S_IMAGE } from "../kube/versions.ts";
import { DockerEngine } from "./docker-engine.ts";
import { engineInfo, offlineEngineRoutes, startFakeEngine } from "./fake-engine.ts";
import { formatK3sPlan, planK3s } from "./k3s-plan.ts";
import { engineFactsOf, k3sPreflight } from "./k3s-preflight.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const client = () => ({ ok: true as const, version: "test" });

describe("k3sPreflight", () => {
  it("should refuse cgroup v1 and rootless engines, naming why", () => {
    const facts = engineFactsOf(engineInfo({ CgroupVersion: "1", SecurityOptions: ["name=seccomp,profile=default", "name=rootless"] }));
    expect(k3sPreflight(facts).blockers).toEqual([
      "the engine runs cgroup v1: the pinned k3s's kubelet (Kubernetes 1.36) refuses cgroup v1 (failCgroupV1 defaults to true since 1.35); boot the engine's host with cgroup v2 (systemd.unified_cgroup_hierarchy=1)",
      "the engine is rootless Docker: k3s needs a privileged container that owns its cgroups, which rootless Docker gives only with cgroup v2 delegation that obsconf does not set up; use a rootful engine (or Docker Desktop)",
    ]);
  });

  it("should name Docker Desktop and the containerd image store as notes, not blockers", () => {
    const facts = engineFactsOf(engineInfo({ OperatingSystem: "Docker Desktop", DriverStatus: [["driver-type", "io.containerd.snapshotter.v1"]] }));
    const result = k3sPreflight(facts);
    expect(result.blockers).toEqual([]);
    expect(result.notes.map((n) => n.split(":")[0])).toEqual(["Docker Desktop", "the engine uses the containerd image store"]);
  });
});

describe("planK3s preflight", () => {
  it("should say, within seconds, that a 2-CPU engine is short of CPU and memory for the stack", async () => {
    await using fake = await startFakeEngine({
      ...offlineEngineRoutes(),
      "GET /info": () => ({ status: 200, body: engineInfo({ NCPU: 2, MemTotal: 4 * 2 ** 30, OperatingSystem: "Docker Desktop" }) }),
    });
    const startedAt = performance.now();
    const plan = await planK3s({ manifestsDir: MANIFESTS, engine: new DockerEngine({ kind: "unix", socketPath: fake.socketPath }, 1_000) });
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(plan.probe).toMatchObject({ usable: false, problem: "preflight" });
    const text = formatK3sPlan(plan);
    expect(text.split("\n")[0]).toBe(
      `k3s cannot start here: the container engine at unix://${fake.socketPath} answers (version 20.10.24+dfsg1) but ` +
        "the stack requests 2.4 CPU (largest: StatefulSet prometheus 0.5 CPU, StatefulSet mimir 0.5 CPU, StatefulSet loki 0.25 CPU) but the engine has 2 CPUs, 1.4 CPU after k3s's own 0.6 CPU: pods would stay Pending; short by 1 CPU. Give the engine 3 CPUs (Docker Desktop: its VM settings), or run a profile whose kube.requestsScale scales the requests down (profiles in assertions/contract.yaml); " +
        "and the stack requests 6.1 GiB of memory but the engine has 4.0 GiB, 2.8 GiB after k3s's own 1.2 GiB: pods would stay Pending; short by 3.3 GiB. Give the engine 8 GiB (Docker Desktop: its VM settings), or run a profile whose kube.requestsScale scales the requests down (profiles in assertions/contract.yaml)",
    );
    expect(text.split("\n")[1]).toBe("requests: the stack asks for 2.4 CPU and 6.1 GiB; the engine has 2 CPUs and 4.0 GiB, cgroup v2");
    expect(fake.requests.some((r) => r.startsWith("GET /images") || r.startsWith("GET /distribution"))).toBe(false);
  });

  it("should compare the scaled requests when a profile scales them, so a 2-CPU engine with room passes", async () => {
    await using fake = await startFakeEngine({
      ...offlineEngineRoutes(),
      "GET /info": () => ({ status: 200, body: engineInfo({ NCPU: 2, MemTotal: 8 * 2 ** 30 }) }),
      [`GET /images/${K3S_IMAGE}/json`]: () => ({ status: 200, body: { Id: "sha256:1" } }),
    });
    const plan = await planK3s({ manifestsDir: MANIFESTS, engine: new DockerEngine({ kind: "unix", socketPath: fake.socketPath }, 1_000), requestsScale: 0.5 });
    expect(plan.probe).toMatchObject({ usable: true });
    expect(plan.scaled).toBe("requests scaled by 0.5: 2.4 CPU -> 1.2 CPU, 6.1 GiB -> 3.0 GiB (limits and the manifests on disk unchanged)");
  });

  it("should pass the preflight on an engine with room, and go on to the image", async () => {
    await using fake = await startFakeEngine({
      ...offlineEngineRoutes(),
      [`GET /images/${K3S_IMAGE}/json`]: () => ({ status: 200, body: { Id: "sha256:1" } }),
    });
    const plan = await planK3s({ manifestsDir: MANIFESTS, engine: new DockerEngine({ kind: "unix", socketPath: fake.socketPath }, 1_000) });
    expect(plan.probe).toMatchObject({ usable: true, imageSource: "present", facts: { cpus: 8, cgroupVersion: "2" } });
    void client;
  });
});
