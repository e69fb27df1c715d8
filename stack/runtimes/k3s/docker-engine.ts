import { createReadStream } from "node:fs";
import { request } from "node:http";
import { HarnessError } from "../../../common/errors.ts";

/** Where the container engine's API listens: a unix socket (the default) or plain-HTTP TCP. */
export type EngineAddress = { kind: "unix"; socketPath: string } | { kind: "tcp"; host: string; port: number };

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/**
 * The engine testcontainers would use: `DOCKER_HOST` (`unix:///path` or `tcp://host:port`, plain
 * HTTP only) or the default socket. A TLS `DOCKER_HOST` (`DOCKER_TLS_VERIFY`) is not probed by
 * this client; the caller reports it as not answering and says why.
 */
export function engineAddressFromEnv(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const host = env.DOCKER_HOST;
  if (!host) return { kind: "unix", socketPath: DEFAULT_DOCKER_SOCKET };
  if (host.startsWith("unix://")) return { kind: "unix", socketPath: host.slice("unix://".length) };
  const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(host);
  if (tcp) return { kind: "tcp", host: tcp[1]!, port: Number(tcp[2]) };
  return { kind: "unix", socketPath: host };
}

export function describeEngine(address: EngineAddress): string {
  return address.kind === "unix" ? `unix://${address.socketPath}` : `tcp://${address.host}:${address.port}`;
}

export interface EngineReply {
  status: number;
  body: string;
}

export interface LabelledContainer {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

/**
 * The few Docker Engine API calls obsconf needs before and around testcontainers: is the engine
 * there, is an image present, would the registry serve it (`/distribution`, which asks the
 * registry for the manifest and pulls nothing), and the containers obsconf labelled. Every call is
 * bounded by `timeoutMs`: an engine or registry that never answers costs that long, no more.
 */
export class DockerEngine {
  readonly describe: string;

  constructor(readonly address: EngineAddress = engineAddressFromEnv(), readonly timeoutMs = 3_000) {
    this.describe = describeEngine(address);
  }

  async call(method: string, path: string, timeoutMs = this.timeoutMs): Promise<EngineReply> {
    const target = this.address.kind === "unix" ? { socketPath: this.address.socketPath } : { host: this.address.host, port: this.address.port };
    return new Promise<EngineReply>((resolve, reject) => {
      const req = request({ ...target, method, path, headers: { host: "docker" }, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", (error: NodeJS.ErrnoException) => {
        const seen = error.name === "AbortError" || error.name === "TimeoutError" ? "no answer" : error.code ?? error.message;
        reject(new HarnessError(`container engine at ${this.describe}: ${method} ${path} got ${seen} within ${timeoutMs}ms`, { cause: error }));
      });
      req.end();
    });
  }

  /** The engine's version, or a HarnessError saying why it did not answer. */
  async ping(): Promise<string> {
    const reply = await this.call("GET", "/version");
    if (reply.status !== 200) throw new HarnessError(`container engine at ${this.describe}: GET /version answered HTTP ${reply.status} ${firstLine(reply.body)}`);
    return (JSON.parse(reply.body) as { Version?: string }).Version ?? "unknown";
  }

  async imagePresent(ref: string): Promise<boolean> {
    const reply = await this.call("GET", `/images/${encodeRef(ref)}/json`);
    if (reply.status === 200) return true;
    if (reply.status === 404) return false;
    throw new HarnessError(`container engine at ${this.describe}: inspecting image ${ref} answered HTTP ${reply.status} ${firstLine(reply.body)}`);
  }

  /** Whether the image's registry serves its manifest; `reason` is the engine's answer when not. */
  async registryServes(ref: string, timeoutMs = this.timeoutMs): Promise<{ pullable: true } | { pullable: false; reason: string }> {
    try {
      const reply = await this.call("GET", `/distribution/${encodeRef(ref)}/json`, timeoutMs);
      if (reply.status === 200) return { pullable: true };
      return { pullable: false, reason: `the registry did not serve it (HTTP ${reply.status} ${firstLine(reply.body)})` };
    } catch (error) {
      return { pullable: false, reason: `the registry probe got no answer within ${timeoutMs}ms` };
    }
  }

  /** Containers (running or not) carrying every one of `labels`. */
  async containersLabelled(labels: Readonly<Record<string, string>>): Promise<LabelledContainer[]> {
    const filters = JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
    const reply = await this.call("GET", `/containers/json?all=true&filters=${encodeURIComponent(filters)}`);
    if (reply.status !== 200) throw new HarnessError(`container engine at ${this.describe}: listing containers answered HTTP ${reply.status} ${firstLine(reply.body)}`);
    return (JSON.parse(reply.body) as { Id: string; Names?: string[]; State?: string; Labels?: Record<string, string> }[]).map((c) => ({
      id: c.Id, name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ""), state: c.State ?? "unknown", labels: c.Labels ?? {},
    }));
  }

  /**
   * The container's gateway on its network: the address at which processes in the container (and
   * pods in a k3s container) reach the host. Undefined when the container has no network.
   */
  async containerGateway(id: string): Promise<string | undefined> {
    const reply = await this.call("GET", `/containers/${encodeURIComponent(id)}/json`);
    if (reply.status !== 200) throw new HarnessError(`container engine at ${this.describe}: inspecting container ${id} answered HTTP ${reply.status} ${firstLine(reply.body)}`);
    const settings = (JSON.parse(reply.body) as { NetworkSettings?: { Gateway?: string; Networks?: Record<string, { Gateway?: string }> } }).NetworkSettings;
    return settings?.Gateway || Object.values(settings?.Networks ?? {}).map((n) => n.Gateway).find((g) => !!g) || undefined;
  }

  /** `docker load -i file`: streams the archive to the engine; the engine's own error is thrown. */
  async loadImage(file: string, timeoutMs = 600_000): Promise<string> {
    const target = this.address.kind === "unix" ? { socketPath: this.address.socketPath } : { host: this.address.host, port: this.address.port };
    const reply = await new Promise<EngineReply>((resolve, reject) => {
      const req = request({ ...target, method: "POST", path: "/images/load?quiet=1", headers: { host: "docker", "content-type": "application/x-tar" }, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", (error) => reject(new HarnessError(`container engine at ${this.describe}: loading ${file} failed within ${timeoutMs}ms: ${error.message}`, { cause: error })));
      const source = createReadStream(file);
      source.on("error", (error) => req.destroy(error));
      source.pipe(req);
    });
    const failure = reply.body.split("\n").map((line) => { try { return (JSON.parse(line) as { error?: string }).error; } catch { return undefined; } }).find((e) => e);
    if (reply.status !== 200 || failure) throw new HarnessError(`container engine at ${this.describe}: loading ${file} answered HTTP ${reply.status} ${failure ? JSON.stringify(failure) : firstLine(reply.body)}`);
    return reply.body.trim();
  }

  /** Force-removes a container and its anonymous volumes; a container already gone is not an error. */
  async removeContainer(id: string, timeoutMs = 30_000): Promise<boolean> {
    const reply = await this.call("DELETE", `/containers/${encodeURIComponent(id)}?force=true&v=true`, timeoutMs);
    if (reply.status === 204) return true;
    if (reply.status === 404) return false;
    throw new HarnessError(`container engine at ${this.describe}: removing container ${id} answered HTTP ${reply.status} ${firstLine(reply.body)}`);
  }
}

/** `grafana/loki:3.5.0` stays as is in the path (the engine routes on it); only characters a path cannot hold are escaped. */
function encodeRef(ref: string): string {
  return encodeURI(ref);
}

function firstLine(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: string }).message;
    if (message) return JSON.stringify(message);
  } catch {
    /* not JSON */
  }
  const line = body.split("\n")[0] ?? "";
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 199)}…` : line);
}
