import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "./fault-proxy.ts";
import { freePort } from "./free-port.ts";

/** An upstream that records what reached it and echoes the method and body length. */
let upstream: Server;
let upstreamPort: number;
const received: string[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(`${req.method} ${req.url} ${Buffer.concat(chunks).length}`);
      res.writeHead(200, { "content-type": "text/plain" }).end(`${req.method} ${Buffer.concat(chunks).length}`);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

async function startProxy(mode: "tcp" | "http"): Promise<FaultProxy> {
  return FaultProxy.start({
    component: "upstream",
    port: "web",
    mode,
    listen: { host: "127.0.0.1", port: await freePort() },
    upstream: { host: "127.0.0.1", port: upstreamPort },
  });
}

async function call(
  proxy: FaultProxy,
  method: string,
  body?: string,
  timeoutMs = 3_000,
): Promise<{ status: number; text: string; retryAfter: string | null; ms: number } | string> {
  const started = performance.now();
  try {
    const response = await fetch(`${proxy.listen.url}/path?x=1`, { method, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, text: await response.text(), retryAfter: response.headers.get("retry-after"), ms: performance.now() - started };
  } catch (error) {
    return `error: ${(error as Error).name}`;
  }
}

describe.each(["tcp", "http"] as const)("FaultProxy (%s)", (mode) => {
  it("should forward requests untouched with no settings, and add the delay to each exchange when set", async () => {
    await using proxy = await startProxy(mode);
    expect(await call(proxy, "POST", "hello")).toMatchObject({ status: 200, text: "POST 5" });
    proxy.set({ delayMs: 300 });
    const delayed = await call(proxy, "GET");
    expect(delayed).toMatchObject({ status: 200, text: "GET 0" });
    expect(typeof delayed !== "string" && delayed.ms).toBeGreaterThanOrEqual(290);
    expect(proxy.stats().connections).toBeGreaterThanOrEqual(1);
  });

  it("should black-hole traffic while partitioned and deliver it after the partition is lifted", async () => {
    const proxy = await startProxy(mode);
    try {
      proxy.set({ partition: true });
      const before = received.length;
      const pending = call(proxy, "POST", "during", 5_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(received.slice(before)).toEqual([]);
      proxy.set({});
      expect(await pending).toMatchObject({ status: 200, text: "POST 6" });
    } finally {
      await proxy.close();
    }
  });

  it("should cut every connection or request at 100% loss", async () => {
    const proxy = await startProxy(mode);
    try {
      proxy.set({ lossPercent: 100 });
      expect(await call(proxy, "GET")).toMatch(/^error: /);
      expect(proxy.stats().cut).toBeGreaterThanOrEqual(1);
    } finally {
      await proxy.close();
    }
  });
});

describe("FaultProxy (http) answering itself", () => {
  it("should answer writes with the injected status and Retry-After, and still forward reads", async () => {
    const proxy = await startProxy("http");
    try {
      proxy.set({ httpError: { status: 503, retryAfterSeconds: 1, scope: "writes" } });
      const before = received.length;
      expect(await call(proxy, "POST", "x")).toMatchObject({
        status: 503,
        retryAfter: "1",
        text: "obsconf fault proxy: injected HTTP 503 in front of upstream\n",
      });
      expect(await call(proxy, "GET")).toMatchObject({ status: 200, text: "GET 0" });
      expect(received.slice(before)).toEqual(["GET /path?x=1 0"]);
      expect(proxy.stats()).toMatchObject({ injectedErrors: 1, forwarded: 1 });
    } finally {
      await proxy.close();
    }
  });

  it("should acknowledge writes with 204 without forwarding them (ack-and-drop)", async () => {
    const proxy = await startProxy("http");
    try {
      proxy.set({ ackDrop: { scope: "writes" } });
      const before = received.length;
      expect(await call(proxy, "POST", "lost")).toMatchObject({ status: 204, text: "" });
      expect(received.slice(before)).toEqual([]);
      expect(proxy.stats().ackedDropped).toBe(1);
      proxy.set({});
      expect(await call(proxy, "POST", "kept")).toMatchObject({ status: 200, text: "POST 4" });
    } finally {
      await proxy.close();
    }
  });

  it("should answer 502 naming the component when the upstream is down", async () => {
    const proxy = await FaultProxy.start({
      component: "gone",
      port: "web",
      mode: "http",
      listen: { host: "127.0.0.1", port: await freePort() },
      upstream: { host: "127.0.0.1", port: await freePort() },
    });
    try {
      const answer = await call(proxy, "GET");
      expect(answer).toMatchObject({ status: 502 });
      expect(typeof answer !== "string" && answer.text).toMatch(/^obsconf fault proxy: gone at 127\.0\.0\.1:\d+ did not answer \(connect ECONNREFUSED/);
    } finally {
      await proxy.close();
    }
  });
});

describe("FaultProxy (tcp) byte stream", () => {
  it("should deliver delayed bytes of a client that half-closes right after sending, then the server's answer", async () => {
    const { createServer: createTcp, connect } = await import("node:net");
    const echo = createTcp({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on("data", (c: Buffer) => chunks.push(c));
      socket.on("end", () => socket.end(`got ${Buffer.concat(chunks).toString()}`));
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      await using proxy = await FaultProxy.start({
        component: "echo",
        port: "tcp",
        mode: "tcp",
        listen: { host: "127.0.0.1", port: await freePort() },
        upstream: { host: "127.0.0.1", port: (echo.address() as AddressInfo).port },
      });
      proxy.set({ delayMs: 200 });
      const started = performance.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port: proxy.listen.port, allowHalfOpen: true }, () => socket.end("abc"));
        let text = "";
        socket.on("data", (c: Buffer) => (text += c.toString()));
        socket.once("end", () => resolve(text));
        socket.once("error", reject);
      });
      expect(answer).toBe("got abc");
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });
});
