import { describe, expect, it } from "vitest";
import { resolveEngineAddress } from "./docker-engine.ts";

const home = "/home/u";
const lookup = (existing: string[], env: NodeJS.ProcessEnv = {}, properties?: string) =>
  resolveEngineAddress({ env, home, uid: 1000, exists: (f) => existing.includes(f), properties });

describe("resolveEngineAddress", () => {
  it("should look where testcontainers looks, in its order", () => {
    expect(lookup([], {}, "tc.host=tcp://cloud.example:2375\ndocker.host=unix:///x.sock")).toEqual({
      kind: "tcp",
      host: "cloud.example",
      port: 2375,
      from: "tc.host in /home/u/.testcontainers.properties",
    });
    expect(lookup(["/var/run/docker.sock"], { DOCKER_HOST: "unix:///custom.sock" }, "docker.host=unix:///x.sock")).toEqual({
      kind: "unix",
      socketPath: "/custom.sock",
      from: "DOCKER_HOST",
    });
    expect(lookup(["/var/run/docker.sock"], {}, "# comment\ndocker.host = tcp://127.0.0.1:2375")).toMatchObject({ kind: "tcp", host: "127.0.0.1", port: 2375 });
    expect(lookup(["/var/run/docker.sock", "/home/u/.docker/run/docker.sock"])).toMatchObject({ socketPath: "/var/run/docker.sock" });
  });

  it("should find Docker Desktop's and rootless Docker's sockets when the default one is absent", () => {
    expect(lookup(["/home/u/.docker/run/docker.sock"])).toEqual({
      kind: "unix",
      socketPath: "/home/u/.docker/run/docker.sock",
      from: "a rootless or Desktop socket",
    });
    expect(lookup(["/run/user/1000/docker.sock", "/home/u/.docker/desktop/docker.sock"])).toMatchObject({ socketPath: "/home/u/.docker/desktop/docker.sock" });
    expect(lookup(["/xdg/docker.sock", "/run/user/1000/docker.sock"], { XDG_RUNTIME_DIR: "/xdg" })).toMatchObject({ socketPath: "/xdg/docker.sock" });
    expect(lookup(["/run/user/1000/docker.sock"])).toMatchObject({ socketPath: "/run/user/1000/docker.sock" });
    expect(lookup([])).toMatchObject({ socketPath: "/var/run/docker.sock", from: "the default socket (none of the sockets testcontainers looks for exists)" });
  });
});
