import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import { RequestFailure, sendRequest, urlOf } from "./send-request.ts";

let server: Server;
let root: string;
const dispatcher = new Agent();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/silent") return; // never answers
    res.writeHead(503, { "content-type": "text/plain" });
    res.end(`${req.method} ${req.url} ${req.headers.accept}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await dispatcher.close();
});

const options = (o: { timeoutMs?: number; lifeSignal?: AbortSignal } = {}) => ({
  headers: { accept: "text/plain" },
  dispatcher,
  timeoutMs: o.timeoutMs ?? 2_000,
  lifeSignal: o.lifeSignal,
  clock: systemClock,
});

async function failureOf(promise: Promise<unknown>): Promise<RequestFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RequestFailure)) throw new Error(`expected a RequestFailure, saw ${String(error)}`);
  return error;
}

describe("sendRequest (the stack clients' one request)", () => {
  it("should return any answer, a 503 too, with its status, content type, body and duration", async () => {
    const answer = await sendRequest(urlOf(root, "/ready", [["a", "b c"]]), options());
    expect(answer).toMatchObject({ status: 503, contentType: "text/plain", body: "GET /ready?a=b+c text/plain" });
    expect(answer.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("should say 'timeout' when the deadline passes, and put the URL after 'from'", async () => {
    const failure = await failureOf(sendRequest(`${root}/silent`, options({ timeoutMs: 100 })));
    expect([failure.kind, failure.message, failure.withUrl]).toEqual(["timeout", "no response within 100ms", `no response within 100ms from ${root}/silent`]);
    expect(failure.durationMs).toBeGreaterThanOrEqual(100);
  });

  it("should say 'transport' when nothing listens, with the URL in brackets", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/ready`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await failureOf(sendRequest(url, options()));
    expect(failure.kind).toBe("transport");
    expect(failure.withUrl).toBe(`${failure.message} (${url})`);
    expect(failure.message).toMatch(/ECONNREFUSED|connect/);
  });

  it("should say 'died', naming the death as its cause, before sending when the component is already dead, and during a request when it dies", async () => {
    const death = new Error("prometheus exited with code 1");
    const before = await failureOf(sendRequest(`${root}/ready`, options({ lifeSignal: AbortSignal.abort(death) })));
    expect([before.kind, before.withUrl, before.cause, before.durationMs]).toEqual(["died", "prometheus exited with code 1", death, 0]);

    const life = new AbortController();
    setTimeout(() => life.abort(death), 50);
    const during = await failureOf(sendRequest(`${root}/silent`, options({ lifeSignal: life.signal })));
    expect([during.kind, during.message, during.cause]).toEqual(["died", "prometheus exited with code 1", death]);
    expect(during.durationMs).toBeGreaterThanOrEqual(40);
  });
});
