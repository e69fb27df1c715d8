import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackClients } from "../../clients/stack-clients.ts";
import type { StartedStack } from "../../started-stack.ts";
import { AttachRuntime } from "./attach-runtime.ts";
import { parseEndpointsFile } from "./endpoints-file.ts";

const manifestsDir = path.resolve(import.meta.dirname, "../../manifests");

/** A loopback server answering like a ready Prometheus (and a Tempo stand-in's /ready), recording each request's path and headers. */
async function fakeServer(): Promise<{ url: string; seen: { path: string; headers: IncomingHttpHeaders }[]; server: Server }> {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    if (req.headers.authorization !== "Bearer tok-123" && req.url?.startsWith("/-/")) return void res.writeHead(401).end("unauthorized");
    if (req.url === "/-/ready" || req.url === "/ready") return void res.writeHead(200).end("ready");
    if (req.url?.startsWith("/api/v1/query"))
      return void res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe("AttachRuntime", () => {
  let dir: string;
  let fake: Awaited<ReturnType<typeof fakeServer>>;
  let closedUrl: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-attach-"));
    fake = await fakeServer();
    const closed = await fakeServer();
    closedUrl = closed.url;
    await new Promise((resolve) => closed.server.close(resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => fake.server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("should start nothing: a component answering its manifest's readiness probe is ready, one not answering or not in the file is unavailable, with the reason", {
    timeout: 60_000,
  }, async () => {
    const endpoints = parseEndpointsFile(
      [
        "version: 1",
        "components:",
        "  prometheus:",
        `    ports: { web: "${fake.url}" }`,
        "    auth: { bearerTokenEnv: PROM_TOKEN }",
        "  alertmanager:",
        `    ports: { web: "${closedUrl}" }`,
        "  tempo:",
        `    ports: { http: "${fake.url}" }`,
        "    substitute: tempo-reference-sink",
        "    auth: { bearerTokenEnv: PROM_TOKEN }",
      ].join("\n"),
      "endpoints.yaml",
      { PROM_TOKEN: "tok-123" },
    );
    await using stack = await AttachRuntime.start({ endpoints, manifestsDir, runsDir: dir, runId: "attach-test", readyTimeoutMs: 1_500 });
    expect(stack.runtime).toBe("attach");
    const asStack: StartedStack = stack;
    expect(asStack.control).toBeUndefined();
    expect(asStack.nodeRootDir).toBeUndefined();
    const status = (name: string) => stack.components().find((c) => c.plan.component === name)!;
    expect(status("prometheus")).toMatchObject({
      plan: { mode: "attached", endpoints: { web: fake.url }, file: "endpoints.yaml" },
      status: { state: "ready" },
    });
    expect(status("tempo")).toMatchObject({ plan: { mode: "substitute", substitute: "tempo-reference-sink" }, status: { state: "ready" } });
    expect(status("alertmanager").status).toEqual({
      state: "unavailable",
      reason: expect.stringMatching(new RegExp(`^attach: GET ${closedUrl}/-/ready not ready after 1500ms \\(last: .*ECONNREFUSED`)),
    });
    expect(status("loki")).toMatchObject({
      plan: { mode: "unavailable" },
      status: { state: "unavailable", reason: "attach: not in the endpoints file endpoints.yaml" },
    });
    expect(fake.seen.find((r) => r.path === "/-/ready")?.headers.authorization).toBe("Bearer tok-123");
    // The variable is named, the secret never printed.
    expect(stack.rewrites()).toContain("attach: prometheus: Authorization (bearer) from $PROM_TOKEN");
    expect(stack.rewrites().join("\n")).not.toContain("tok-123");
    expect(await stack.stop()).toEqual({ runDir: path.join(dir, "attach-test"), exits: {} });
  });

  it("should hand the file's credentials to the clients built on it", { timeout: 60_000 }, async () => {
    const endpoints = parseEndpointsFile(
      `version: 1\ncomponents:\n  prometheus:\n    ports: { web: "${fake.url}" }\n    auth: { bearerTokenEnv: PROM_TOKEN }\n`,
      "endpoints.yaml",
      { PROM_TOKEN: "tok-123" },
    );
    await using stack = await AttachRuntime.start({ endpoints, manifestsDir, runsDir: dir, readyTimeoutMs: 1_500 });
    await using clients = new StackClients(stack);
    if (clients.prometheus.kind !== "ready") throw new Error(clients.prometheus.reason);
    await clients.prometheus.value.query("up");
    expect(fake.seen.filter((r) => r.path.startsWith("/api/v1/query")).map((r) => r.headers.authorization)).toEqual(["Bearer tok-123"]);
    expect(clients.remoteWrite).toMatchObject({ kind: "ready", value: { url: `${fake.url}/api/v1/write`, headers: { Authorization: "Bearer tok-123" } } });
    expect(clients.loki).toEqual({ kind: "absent", reason: "loki: attach: not in the endpoints file endpoints.yaml", status: "unavailable" });
  });
});
