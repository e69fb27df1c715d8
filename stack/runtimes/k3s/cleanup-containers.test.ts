import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { cleanupK3sContainers } from "./cleanup-containers.ts";
import { DockerEngine } from "./docker-engine.ts";
import { startFakeEngine } from "./fake-engine.ts";

const container = (id: string, runId: string, runner: string) => ({
  Id: id,
  Names: [`/k3s-${id}`],
  State: "running",
  Labels: { "app.kubernetes.io/managed-by": "obsconf", "obsconf.dev/run-id": runId, "obsconf.dev/runner": runner },
});

describe("cleanupK3sContainers", () => {
  it("should force-remove the containers of runs whose process is gone, found by label", async () => {
    await using fake = await startFakeEngine({
      "GET /containers/json": () => ({
        status: 200,
        body: [container("aaa", "r1", `${hostname()}/999999999`), container("bbb", "r2", `${hostname()}/${process.pid}`)],
      }),
      "DELETE /containers/aaa": () => ({ status: 204, body: "" }),
    });
    const lines = await cleanupK3sContainers(new DockerEngine({ kind: "unix", socketPath: fake.socketPath }, 1_000));
    expect(lines.map((l) => `${l.run} ${l.action}: ${l.what}`)).toEqual(["r1 removed: container k3s-aaa (running)", "r2 kept: container k3s-bbb (running)"]);
    expect(fake.requests).toEqual([
      `GET /containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ label: ["app.kubernetes.io/managed-by=obsconf"] }))}`,
      "DELETE /containers/aaa?force=true&v=true",
    ]);
  });
});
