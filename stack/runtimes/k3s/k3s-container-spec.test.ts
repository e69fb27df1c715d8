import path from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.ts";
import { K3S_IMAGE } from "../kube/versions.ts";
import { DockerEngine } from "./docker-engine.ts";
import { offlineEngineRoutes, startFakeEngine } from "./fake-engine.ts";
import { chooseImageStore, k3sContainerSpec } from "./k3s-container-spec.ts";
import { planK3s } from "./k3s-plan.ts";
import { chooseReaper } from "./k3s-runtime.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const usable = { usable: true as const, engine: "unix:///fake.sock", engineVersion: "test", image: K3S_IMAGE, imageSource: "present" as const, reason: "test" };
const engineOf = (socketPath: string) => new DockerEngine({ kind: "unix", socketPath }, 1_000);
const labelled = (state: string) => [{ Id: "c1", Names: ["/k3s-other"], State: state, Labels: { "obsconf.dev/run-id": "other" } }];

describe("k3sContainerSpec", () => {
  it("should keep the containerd image store in a named volume, map host.docker.internal to the host gateway and log k3s into the run directory", async () => {
    await using fake = await startFakeEngine({ ...offlineEngineRoutes(), "GET /containers/json": () => ({ status: 200, body: [] }) });
    const plan = await planK3s({ manifestsDir: MANIFESTS, probe: usable });
    const store = await chooseImageStore(engineOf(fake.socketPath), K3S_IMAGE);
    const spec = k3sContainerSpec(plan, { runId: "r1", runDir: "/runs/r1", store });
    expect(spec.binds).toEqual([
      { source: "/sys/fs/cgroup", target: "/sys/fs/cgroup" },
      { source: "obsconf-k3s-containerd-v1.36.1-k3s1", target: "/var/lib/rancher/k3s/agent/containerd" },
    ]);
    expect(spec.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "obsconf",
      "obsconf.dev/run-id": "r1",
      "obsconf.dev/image-store": "obsconf-k3s-containerd-v1.36.1-k3s1",
    });
    expect(spec.extraHosts).toEqual([{ host: "host.docker.internal", ipAddress: "host-gateway" }]);
    expect(spec.command).toEqual(["server", "--disable=traefik,servicelb,metrics-server"]);
    expect(spec.logFile).toBe("/runs/r1/k3s.log");
    expect(spec.exposedPorts).toEqual(plan.exposures.map((e) => e.nodePort));
  });

  it("should give a run its own store while another obsconf k3s container holds the volume", async () => {
    await using fake = await startFakeEngine({ ...offlineEngineRoutes(), "GET /containers/json": () => ({ status: 200, body: labelled("running") }) });
    const store = await chooseImageStore(engineOf(fake.socketPath), K3S_IMAGE);
    expect(store).toEqual({
      reason: "the image store volume obsconf-k3s-containerd-v1.36.1-k3s1 is in use by k3s-other (run other): this run pulls into a store of its own",
    });
    const plan = await planK3s({ manifestsDir: MANIFESTS, probe: usable });
    expect(k3sContainerSpec(plan, { runId: "r1", runDir: "/runs/r1", store }).binds).toEqual([{ source: "/sys/fs/cgroup", target: "/sys/fs/cgroup" }]);
  });
});

describe("chooseReaper", () => {
  it("should keep the reaper when its image can be pulled, and disable it only offline", async () => {
    await using online = await startFakeEngine({ "GET /distribution/testcontainers/ryuk:0.14.0/json": () => ({ status: 200, body: {} }) });
    const env: NodeJS.ProcessEnv = {};
    expect(await chooseReaper(engineOf(online.socketPath), silentLogger, env)).toBe("enabled");
    expect(env.TESTCONTAINERS_RYUK_DISABLED).toBeUndefined();
    await using offline = await startFakeEngine({});
    expect(await chooseReaper(engineOf(offline.socketPath), silentLogger, env)).toBe("disabled");
    expect(env.TESTCONTAINERS_RYUK_DISABLED).toBe("true");
  });
});
