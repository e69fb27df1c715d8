import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { K3S_IMAGE } from "../kube/versions.ts";
import { DockerEngine } from "./docker-engine.ts";
import { engineInfo, offlineEngineRoutes, startFakeEngine, type StartedFakeEngine } from "./fake-engine.ts";
import { K3sRuntime } from "./k3s-runtime.ts";

/**
 * K3sRuntime through the real testcontainers 11.14 against a fake engine (this file alone sets
 * DOCKER_HOST: testcontainers keeps its engine client for the process): what the container is
 * created with, and that a start that fails leaves no container of the run behind.
 */
describe("K3sRuntime through testcontainers", () => {
  let fake: StartedFakeEngine;
  let runsDir: string;
  const created: { url: string; body: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    fake = await startFakeEngine({
      ...offlineEngineRoutes(),
      "GET /info": () => ({ status: 200, body: engineInfo({ IndexServerAddress: "https://index.docker.io/v1/" }) }),
      "GET /_ping": () => ({ status: 200, body: "OK" }),
      [`GET /images/${K3S_IMAGE}/json`]: () => ({ status: 200, body: { Id: "sha256:1", RepoTags: [K3S_IMAGE] } }),
      "GET /networks/bridge": () => ({ status: 200, body: { IPAM: { Config: [{ Gateway: "172.17.0.1" }] } } }),
      "GET /containers/json": (req) => ({
        status: 200,
        body: (req.url ?? "").includes("run-id%3Dr9") ? [{ Id: "k3s9", Names: ["/k3s-r9"], State: "created", Labels: { "obsconf.dev/run-id": "r9" } }] : [],
      }),
      "POST /containers/create": (req) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => created.push({ url: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString() || "{}") as Record<string, unknown> }));
        return { status: 500, body: { message: "fake engine: no containers here" } };
      },
      "DELETE /containers/k3s9": () => ({ status: 204, body: "" }),
    });
    process.env.DOCKER_HOST = `unix://${fake.socketPath}`;
    process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-k3s-tc-"));
  });
  afterAll(async () => {
    await fake?.stop();
    await rm(runsDir, { recursive: true, force: true });
  });

  it("should create k3s privileged with the module's cgroup bind, the image-store volume and host.docker.internal, and remove the run's container when start fails", {
    timeout: 60_000,
  }, async () => {
    const engine = new DockerEngine({ kind: "unix", socketPath: fake.socketPath }, 1_000);
    await expect(K3sRuntime.start({ manifestsDir: path.resolve(import.meta.dirname, "../../manifests"), runsDir, runId: "r9", engine })).rejects.toThrow(
      /^k3s container \(rancher\/k3s:v1\.36\.1-k3s1\) did not start within 180000ms: .*fake engine: no containers here.*; k3s's log .*\/r9\/k3s\.log ends:/s,
    );
    const create = JSON.stringify(created.map((c) => c.body)) + created.map((c) => decodeURIComponent(c.url)).join("");
    expect(create).toContain('"Privileged":true');
    expect(create).toContain('"Binds":["/sys/fs/cgroup:/sys/fs/cgroup:rw","obsconf-k3s-containerd-v1.36.1-k3s1:/var/lib/rancher/k3s/agent/containerd:rw"]');
    expect(create).toContain('"ExtraHosts":["host.docker.internal:host-gateway"]');
    expect(fake.requests.filter((r) => r.startsWith("DELETE"))).toEqual(["DELETE /containers/k3s9?force=true&v=true"]);
    expect(await readdir(path.join(runsDir, "r9"))).toEqual(["k3s.log"]);
  });
});
