import { CoreV1Api } from "@kubernetes/client-node";
import { EventEmitter } from "node:events";
import { connect } from "node:net";
import type { Writable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { startKubeApiDouble } from "../kube-api/kube-api-double.ts";
import { serviceTarget, startPortForwards } from "./port-forward.ts";

const service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "loki", namespace: "obsconf-r1" },
  spec: {
    selector: { app: "loki" },
    ports: [
      { name: "http", port: 3100, targetPort: "http" },
      { name: "grpc", port: 9095, targetPort: 9095 },
    ],
  },
};
const pod = (name: string, ready: boolean, deleting = false) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "obsconf-r1", labels: { app: "loki" }, ...(deleting ? { deletionTimestamp: "2025-01-01T00:00:00Z" } : {}) },
  spec: { containers: [{ name: "loki", image: "grafana/loki:3.5.0", ports: [{ name: "http", containerPort: 3100 }] }] },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

describe("serviceTarget", () => {
  it("should pick the first Ready, not terminating pod behind the Service and resolve a named targetPort", async () => {
    await using api = await startKubeApiDouble();
    api.seed(service, pod("loki-0", true, true), pod("loki-1", false), pod("loki-2", true), pod("loki-3", true));
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    expect(await serviceTarget(core, "obsconf-r1", "loki", "http")).toEqual({ pod: "loki-2", port: 3100 });
    expect(await serviceTarget(core, "obsconf-r1", "loki", "grpc")).toEqual({ pod: "loki-2", port: 9095 });
    expect(api.requests.find((r) => r.path.endsWith("/pods"))?.query).toEqual({ labelSelector: "app=loki" });
  });

  it("should say which Service has no Ready pod or no such port", async () => {
    await using api = await startKubeApiDouble();
    api.seed(service, pod("loki-0", false));
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    await expect(serviceTarget(core, "obsconf-r1", "loki", "http")).rejects.toThrow(
      "no Ready pod behind Service obsconf-r1/loki (selector app=loki: 1 pods, none Ready)",
    );
    await expect(serviceTarget(core, "obsconf-r1", "loki", "web")).rejects.toThrow("Service obsconf-r1/loki has no port named web (ports: http, grpc)");
  });
});

describe("startPortForwards", () => {
  it("should open one loopback listener per Service port and close them all", async () => {
    await using api = await startKubeApiDouble();
    const forwards = await startPortForwards(api.kubeConfig(), "obsconf-r1", [
      { service: "loki", port: "http" },
      { service: "tempo", port: "http" },
    ]);
    expect(forwards.ports.map((p) => [p.service, p.port])).toEqual([
      ["loki", "http"],
      ["tempo", "http"],
    ]);
    expect(new Set(forwards.ports.map((p) => p.localPort)).size).toBe(2);
    await forwards.close();
    await expect(fetch(`http://127.0.0.1:${forwards.ports[0]!.localPort}/`)).rejects.toThrow();
  });
});

describe("startPortForwards connections", () => {
  class FakeWebSocket extends EventEmitter {
    closed = 0;
    close(): void {
      this.closed++;
    }
  }
  async function forwarding() {
    const api = await startKubeApiDouble();
    api.seed(service, pod("loki-0", true));
    const sockets: FakeWebSocket[] = [];
    const errs: Writable[] = [];
    const forwarder = {
      portForward: async (_ns: string, _pod: string, _ports: number[], _out: Writable, err: Writable | null) => {
        errs.push(err!);
        const ws = new FakeWebSocket();
        sockets.push(ws);
        return ws;
      },
    };
    const forwards = await startPortForwards(api.kubeConfig(), "obsconf-r1", [{ service: "loki", port: "http" }], undefined, forwarder);
    const client = connect(forwards.ports[0]!.localPort, "127.0.0.1");
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    client.on("error", () => undefined);
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    return { api, forwards, client, closed, ws: sockets[0]!, err: errs[0]! };
  }

  it("should close the local connection when the pod's WebSocket closes (a restarted pod), so a kept-alive client does not hang", async () => {
    const { api, forwards, closed, ws } = await forwarding();
    ws.emit("close");
    await closed;
    await forwards.close();
    await api.stop();
  });

  it("should close the local connection on the pod's error channel and survive a reset of the local socket", async () => {
    const { api, forwards, client, closed, err, ws } = await forwarding();
    err.write(Buffer.from("an error occurred forwarding 3100 -> 3100: connection refused"));
    await closed;
    await vi.waitFor(() => expect(ws.closed).toBe(1));
    client.destroy(new Error("ECONNRESET"));
    await forwards.close();
    await api.stop();
  });
});
