import { createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import type { AddressInfo } from "node:net";
import { CoreV1Api, PortForward, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { HarnessError } from "../../../common/errors.ts";
import { silentLogger, type Logger } from "../../../common/log.ts";
import { apiErrorDetail } from "../kube-api/api-error.ts";

/** The pod and container port a Service port leads to right now. */
export interface ServiceTarget {
  pod: string;
  port: number;
}

/**
 * What `kubectl port-forward svc/<name> <port>` resolves: the Service's selector, a Ready pod
 * (not terminating) behind it, sorted by name, and the container port its `targetPort` names
 * (a number, or a container port name looked up in that pod).
 */
export async function serviceTarget(core: CoreV1Api, namespace: string, service: string, portName: string): Promise<ServiceTarget> {
  const svc = await core.readNamespacedService({ name: service, namespace });
  const port = svc.spec?.ports?.find((p) => p.name === portName);
  if (!port)
    throw new HarnessError(
      `Service ${namespace}/${service} has no port named ${portName} (ports: ${(svc.spec?.ports ?? []).map((p) => p.name).join(", ") || "none"})`,
    );
  const selector = Object.entries(svc.spec?.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  if (!selector) throw new HarnessError(`Service ${namespace}/${service} has no selector: no pod to forward to`);
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
  const ready = pods.filter(isReady).sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  const pod = ready[0];
  if (!pod) throw new HarnessError(`no Ready pod behind Service ${namespace}/${service} (selector ${selector}: ${pods.length} pods, none Ready)`);
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return { pod: pod.metadata!.name!, port: target };
  const named = pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target);
  if (!named)
    throw new HarnessError(
      `Service ${namespace}/${service} port ${portName} targets ${JSON.stringify(target)}, which no container of pod ${pod.metadata?.name} declares`,
    );
  return { pod: pod.metadata!.name!, port: named.containerPort };
}

function isReady(pod: V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

export interface ForwardedPort {
  service: string;
  port: string;
  localPort: number;
}

/** The part of @kubernetes/client-node's PortForward used here (tests pass a stand-in). */
export interface PortForwarder {
  portForward(namespace: string, pod: string, ports: number[], output: Writable, err: Writable | null, input: NodeJS.ReadableStream): Promise<unknown>;
}

/** What `portForward` resolves to: the WebSocket to the API server (ws's WebSocket). */
interface ForwardSocket {
  on?(event: "close" | "error", listener: (...args: unknown[]) => void): unknown;
  close?(): void;
  terminate?(): void;
}

export interface StartedPortForwards {
  ports: readonly ForwardedPort[];
  close(): Promise<void>;
}

/**
 * One loopback listener per Service port; each connection is forwarded through the API server
 * (the protocol of `kubectl port-forward`) to the pod the Service leads to at that moment, so a
 * restarted pod is picked up by the next connection.
 */
export async function startPortForwards(
  kc: KubeConfig,
  namespace: string,
  wanted: readonly { service: string; port: string }[],
  logger: Logger = silentLogger,
  forwarder: PortForwarder = new PortForward(kc),
): Promise<StartedPortForwards> {
  const core = kc.makeApiClient(CoreV1Api);
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const ports: ForwardedPort[] = [];
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  };
  /**
   * One local connection = one WebSocket to one pod. Either side ending ends the other: a pod that
   * restarts closes its WebSocket, and the local connection must close with it (a kept-alive HTTP
   * client would otherwise wait on it forever); the pod's error channel ("connection refused") ends
   * it too; a local socket error (ECONNRESET) is logged, never thrown.
   */
  const forward = (socket: Socket, service: string, port: string) => {
    const what = `port-forward to Service ${namespace}/${service} port ${port}`;
    sockets.add(socket);
    socket.on("error", (error: NodeJS.ErrnoException) => logger.debug(`${what}: local connection: ${error.code ?? error.message}`));
    const errors = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logger.warn(`${what}: ${chunk.toString("utf8").trim()}`);
        socket.destroy();
        done();
      },
    });
    serviceTarget(core, namespace, service, port)
      .then((target) => forwarder.portForward(namespace, target.pod, [target.port], socket, errors, socket))
      .then((ws) => {
        const webSocket = ws as ForwardSocket | undefined;
        if (socket.destroyed) {
          webSocket?.close?.();
          return;
        }
        webSocket?.on?.("close", () => socket.destroy());
        webSocket?.on?.("error", (error: unknown) => {
          logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}`);
          socket.destroy();
        });
        socket.once("close", () => webSocket?.close?.());
      })
      .catch((error: unknown) => {
        logger.warn(`${what} failed: ${error instanceof HarnessError ? error.message : apiErrorDetail(error)}`);
        socket.destroy();
      });
    socket.once("close", () => sockets.delete(socket));
  };
  try {
    for (const { service, port } of wanted) {
      const server = createServer((socket) => forward(socket, service, port));
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      ports.push({ service, port, localPort: (server.address() as AddressInfo).port });
    }
  } catch (error) {
    await close();
    throw new HarnessError(`could not open a loopback listener for port-forwarding: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { ports, close };
}
