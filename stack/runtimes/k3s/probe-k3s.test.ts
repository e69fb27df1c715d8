import path from "node:path";
import { describe, expect, it } from "vitest";
import { K3S_IMAGE } from "../kube/versions.ts";
import { resolveRuntime } from "../select-runtime.ts";
import { DockerEngine } from "./docker-engine.ts";
import { offlineEngineRoutes, startFakeEngine } from "./fake-engine.ts";
import { probeK3s } from "./probe-k3s.ts";

const engineOf = (socketPath: string, timeoutMs = 300) => new DockerEngine({ kind: "unix", socketPath }, timeoutMs);
/** These tests are about the engine and the image; whether testcontainers loads on this Node is tested apart. */
const client = () => ({ ok: true as const, version: "test" });

describe("probeK3s", () => {
  it("should say the image is missing and not pullable when the engine answers but the registry is unreachable", async () => {
    await using fake = await startFakeEngine(offlineEngineRoutes());
    const probe = await probeK3s({ client, engine: engineOf(fake.socketPath) });
    expect(probe).toMatchObject({
      usable: false,
      problem: "no-image",
      engine: `unix://${fake.socketPath}`,
      engineVersion: "20.10.24+dfsg1",
      image: K3S_IMAGE,
      reason: `the container engine at unix://${fake.socketPath} answers (version 20.10.24+dfsg1) but the k3s image ${K3S_IMAGE} is not present and cannot be pulled: the registry did not serve it (HTTP 500 "Get \\"https://registry-1.docker.io/v2/\\": dial tcp: lookup registry-1.docker.io: no such host")`,
    });
    expect(fake.requests).toEqual(["GET /version", "GET /info", `GET /images/${K3S_IMAGE}/json`, `GET /distribution/${K3S_IMAGE}/json`]);
  });

  it("should give up on an engine that never answers within the bound", async () => {
    await using fake = await startFakeEngine({ "GET /version": () => "hang" });
    const startedAt = performance.now();
    const probe = await probeK3s({ client, engine: engineOf(fake.socketPath, 200), timeoutMs: 200 });
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(probe).toMatchObject({
      usable: false,
      problem: "no-engine",
      reason: `no container engine answered at unix://${fake.socketPath} (GET /version got no answer within 200ms)`,
    });
  });

  it("should give up on a registry look-up that never answers, without pulling", async () => {
    await using fake = await startFakeEngine({ ...offlineEngineRoutes(), [`GET /distribution/${K3S_IMAGE}/json`]: () => "hang" });
    const probe = await probeK3s({ client, engine: engineOf(fake.socketPath, 200), timeoutMs: 200 });
    expect(probe).toMatchObject({ usable: false, problem: "no-image" });
    expect(probe.reason).toMatch(/is not present and cannot be pulled: the registry probe got no answer within 200ms$/);
    expect(fake.requests.some((r) => r.startsWith("POST /images/create"))).toBe(false);
  });

  it("should say no engine answers when the socket does not exist", async () => {
    const socketPath = path.join("/nonexistent", "docker.sock");
    const probe = await probeK3s({ client, engine: engineOf(socketPath) });
    expect(probe.reason).toBe(`no container engine answered at unix://${socketPath} (GET /version got ENOENT within 300ms)`);
  });

  it("should be usable when the image is present, or in an --images archive", async () => {
    await using fake = await startFakeEngine({
      ...offlineEngineRoutes(),
      [`GET /images/${K3S_IMAGE}/json`]: () => ({ status: 200, body: { Id: "sha256:1" } }),
    });
    expect(await probeK3s({ client, engine: engineOf(fake.socketPath) })).toMatchObject({ usable: true, imageSource: "present" });
    await using offline = await startFakeEngine(offlineEngineRoutes());
    expect(await probeK3s({ client, engine: engineOf(offline.socketPath), imageArchives: ["/images/k3s.tar"] })).toMatchObject({
      usable: true,
      imageSource: "archive",
    });
  });
});

describe("resolveRuntime", () => {
  it("should fall back from auto to local with the probe's reason", async () => {
    await using fake = await startFakeEngine(offlineEngineRoutes());
    const choice = await resolveRuntime("auto", { probe: () => probeK3s({ client, engine: engineOf(fake.socketPath) }) });
    expect(choice.runtime).toBe("local");
    expect(choice.reason).toMatch(
      new RegExp(
        `^auto: the container engine at unix://\\S+ answers \\(version 20\\.10\\.24\\+dfsg1\\) but the k3s image ${K3S_IMAGE.replace(/[.+]/g, "\\$&")} is not present and cannot be pulled: .*, so the local runtime runs$`,
      ),
    );
  });

  it("should fall back from auto to local, bounded, when the engine never answers", async () => {
    await using fake = await startFakeEngine({ "GET /version": () => "hang" });
    const choice = await resolveRuntime("auto", { probe: () => probeK3s({ client, engine: engineOf(fake.socketPath, 200), timeoutMs: 200 }) });
    expect(choice).toMatchObject({
      runtime: "local",
      reason: `auto: no container engine answered at unix://${fake.socketPath} (GET /version got no answer within 200ms), so the local runtime runs`,
    });
  });

  it("should pick k3s under auto when the image is present", async () => {
    const choice = await resolveRuntime("auto", {
      probe: async () => ({ usable: true, engine: "e", engineVersion: "1", image: K3S_IMAGE, imageSource: "present", reason: "ok" }),
    });
    expect(choice).toMatchObject({ runtime: "k3s", reason: "auto: ok" });
  });

  it("should refuse an unknown runtime with the exact error", async () => {
    await expect(resolveRuntime("nope")).rejects.toThrow('command line: field --runtime: expected one of local, k3s, cluster, auto, saw "nope"');
  });
});

describe("probeK3s with a testcontainers that cannot load", () => {
  it("should not be usable, and keep the engine's and the image's findings in the reason", async () => {
    await using fake = await startFakeEngine({
      ...offlineEngineRoutes(),
      [`GET /images/${K3S_IMAGE}/json`]: () => ({ status: 200, body: { Id: "sha256:1" } }),
    });
    const noClient = () => ({ ok: false as const, reason: "testcontainers 12.2.0 requires Node >= 22.22, this is Node 20.20.2" });
    expect(await probeK3s({ engine: engineOf(fake.socketPath), client: noClient })).toMatchObject({
      usable: false,
      problem: "no-client",
      reason: `the container engine at unix://${fake.socketPath} answers (version 20.10.24+dfsg1) and the k3s image ${K3S_IMAGE} is present, but the k3s runtime cannot load here: testcontainers 12.2.0 requires Node >= 22.22, this is Node 20.20.2`,
    });
  });
});
