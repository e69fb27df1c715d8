import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { K3S_IMAGE } from "../kube/versions.ts";

/**
 * Test support: a Docker Engine API stand-in on a unix socket. `routes` answers by
 * `METHOD path` (path without the query); a route returning `"hang"` accepts the request and never
 * answers, as a wedged engine or a registry look-up behind a dead network does.
 */
export type FakeEngineRoute = (req: IncomingMessage) => { status: number; body: unknown } | "hang";

export interface StartedFakeEngine extends AsyncDisposable {
  socketPath: string;
  requests: string[];
  stop(): Promise<void>;
}

export async function startFakeEngine(routes: Record<string, FakeEngineRoute>): Promise<StartedFakeEngine> {
  const dir = await mkdtemp(path.join(tmpdir(), "obsconf-fake-engine-"));
  const socketPath = path.join(dir, "docker.sock");
  const requests: string[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const key = `${req.method} ${(req.url ?? "").split("?")[0]}`;
    requests.push(`${req.method} ${req.url}`);
    const route = routes[key];
    const reply = route ? route(req) : { status: 404, body: { message: `page not found: ${key}` } };
    if (reply === "hang") {
      hanging.add(res);
      return;
    }
    res.writeHead(reply.status, { "content-type": "application/json" });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    })());
  return { socketPath, requests, stop, [Symbol.asyncDispose]: stop };
}

/** The routes of an engine that answers, has no images, and whose registry is unreachable (as on this project's machines). */
export function offlineEngineRoutes(): Record<string, FakeEngineRoute> {
  return {
    "GET /version": () => ({ status: 200, body: { Version: "20.10.24+dfsg1", ApiVersion: "1.41" } }),
    "GET /info": () => ({ status: 200, body: engineInfo() }),
    [`GET /images/${K3S_IMAGE}/json`]: () => ({ status: 404, body: { message: `no such image: ${K3S_IMAGE}: No such image: ${K3S_IMAGE}` } }),
    [`GET /distribution/${K3S_IMAGE}/json`]: () => ({
      status: 500,
      body: { message: 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host' },
    }),
  };
}

/** A `GET /info` body as Debian's docker.io 20.10 answers it on this project's machines (8 CPUs, 16 GiB, cgroup v2), with overrides. */
export function engineInfo(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    NCPU: 8,
    MemTotal: 16 * 2 ** 30,
    CgroupVersion: "2",
    CgroupDriver: "systemd",
    SecurityOptions: ["name=seccomp,profile=default", "name=cgroupns"],
    OperatingSystem: "Debian GNU/Linux 12 (bookworm)",
    Name: "ci-host",
    Architecture: "x86_64",
    ServerVersion: "20.10.24+dfsg1",
    Driver: "overlay2",
    DriverStatus: [["Backing Filesystem", "extfs"]],
    ...overrides,
  };
}
