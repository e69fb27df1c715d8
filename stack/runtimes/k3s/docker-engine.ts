import { createReadStream, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { request } from "node:http";
import { HarnessError } from "../../../common/errors.ts";

/** Where the container engine's API listens: a unix socket (the default) or plain-HTTP TCP. */
export type EngineAddress = ({ kind: "unix"; socketPath: string } | { kind: "tcp"; host: string; port: number }) & {
  /** Where the address was found. */ from?: string;
};

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/**
 * The engine testcontainers (11.14) would use, found the way its container-runtime strategies find
 * it, in their order: `tc.host` in `~/.testcontainers.properties`; `DOCKER_HOST` (or `docker.host`
 * in that file, which DOCKER_HOST overrides); `/var/run/docker.sock`; then the rootless and Desktop
 * sockets `$XDG_RUNTIME_DIR/docker.sock`, `~/.docker/run/docker.sock`,
 * `~/.docker/desktop/docker.sock`, `/run/user/<uid>/docker.sock`, the first that exists. A TLS
 * engine (`DOCKER_TLS_VERIFY`) is not probed by this client: the probe says so.
 * (`TESTCONTAINERS_HOST_OVERRIDE` changes only where mapped ports are reached, not the engine.)
 */
export interface EngineLookup {
  env?: NodeJS.ProcessEnv;
  home?: string;
  uid?: number;
  exists?: (file: string) => boolean;
  /** The text of `~/.testcontainers.properties`, or undefined when there is none. */
  properties?: string | undefined;
}

export function resolveEngineAddress(lookup: EngineLookup = {}): EngineAddress {
  const env = lookup.env ?? process.env;
  const home = lookup.home ?? homedir();
  const exists = lookup.exists ?? existsSync;
  const propertiesFile = path.join(home, ".testcontainers.properties");
  const properties = parseProperties("properties" in lookup ? lookup.properties : exists(propertiesFile) ? readFileSync(propertiesFile, "utf8") : undefined);
  const tcHost = properties.get("tc.host");
  if (tcHost) return { ...parseHost(tcHost), from: `tc.host in ${propertiesFile}` };
  const dockerHost = env.DOCKER_HOST ?? properties.get("docker.host");
  if (dockerHost) return { ...parseHost(dockerHost), from: env.DOCKER_HOST ? "DOCKER_HOST" : `docker.host in ${propertiesFile}` };
  if (exists(DEFAULT_DOCKER_SOCKET)) return { kind: "unix", socketPath: DEFAULT_DOCKER_SOCKET, from: "the default socket" };
  const uid = lookup.uid ?? process.getuid?.() ?? 0;
  const rootless = [
    env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, "docker.sock") : undefined,
    path.join(home, ".docker", "run", "docker.sock"),
    path.join(home, ".docker", "desktop", "docker.sock"),
    path.join("/run", "user", String(uid), "docker.sock"),
  ]
    .filter((f): f is string => f !== undefined)
    .find(exists);
  if (rootless) return { kind: "unix", socketPath: rootless, from: "a rootless or Desktop socket" };
  return { kind: "unix", socketPath: DEFAULT_DOCKER_SOCKET, from: "the default socket (none of the sockets testcontainers looks for exists)" };
}

/** @deprecated name kept for callers: the same lookup as testcontainers (see resolveEngineAddress). */
export function engineAddressFromEnv(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  return resolveEngineAddress({ env });
}

function parseHost(host: string): EngineAddress {
  if (host.startsWith("unix://")) return { kind: "unix", socketPath: host.slice("unix://".length) };
  const tcp = /^(?:tcp|http):\/\/([^:/]+):(\d+)\/?$/.exec(host);
  if (tcp) return { kind: "tcp", host: tcp[1]!, port: Number(tcp[2]) };
  return { kind: "unix", socketPath: host };
}

/** `key=value`, `key: value` or `key value` lines, `#`/`!` comments, as Java properties are written. */
function parseProperties(text: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const raw of (text ?? "").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match) map.set(match[1]!, match[2]!.trim());
  }
  return map;
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

  constructor(
    readonly address: EngineAddress = resolveEngineAddress(),
    readonly timeoutMs = 3_000,
  ) {
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
        const seen = error.name === "AbortError" || error.name === "TimeoutError" ? "no answer" : (error.code ?? error.message);
        reject(new HarnessError(`container engine at ${this.describe}: ${method} ${path} got ${seen} within ${timeoutMs}ms`, { cause: error }));
      });
      req.end();
    });
  }

  /** `GET /info`: CPUs, memory, cgroup version, rootless, VM engines (see k3s-preflight.ts). */
  async info(): Promise<Record<string, unknown>> {
    const reply = await this.call("GET", "/info");
    if (reply.status !== 200) throw new HarnessError(`container engine at ${this.describe}: GET /info answered HTTP ${reply.status} ${firstLine(reply.body)}`);
    return JSON.parse(reply.body) as Record<string, unknown>;
  }

  /** The engine's version, or a HarnessError saying why it did not answer. */
  async ping(): Promise<string> {
    const reply = await this.call("GET", "/version");
    if (reply.status !== 200)
      throw new HarnessError(`container engine at ${this.describe}: GET /version answered HTTP ${reply.status} ${firstLine(reply.body)}`);
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
    } catch {
      return { pullable: false, reason: `the registry probe got no answer within ${timeoutMs}ms` };
    }
  }

  /** Containers (running or not) carrying every one of `labels`. */
  async containersLabelled(labels: Readonly<Record<string, string>>): Promise<LabelledContainer[]> {
    const filters = JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
    const reply = await this.call("GET", `/containers/json?all=true&filters=${encodeURIComponent(filters)}`);
    if (reply.status !== 200)
      throw new HarnessError(`container engine at ${this.describe}: listing containers answered HTTP ${reply.status} ${firstLine(reply.body)}`);
    return (JSON.parse(reply.body) as { Id: string; Names?: string[]; State?: string; Labels?: Record<string, string> }[]).map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ""),
      state: c.State ?? "unknown",
      labels: c.Labels ?? {},
    }));
  }

  /**
   * The container's gateway on its network: the address at which processes in the container (and
   * pods in a k3s container) reach the host. Undefined when the container has no network.
   */
  async containerGateway(id: string): Promise<string | undefined> {
    const reply = await this.call("GET", `/containers/${encodeURIComponent(id)}/json`);
    if (reply.status !== 200)
      throw new HarnessError(`container engine at ${this.describe}: inspecting container ${id} answered HTTP ${reply.status} ${firstLine(reply.body)}`);
    const settings = (JSON.parse(reply.body) as { NetworkSettings?: { Gateway?: string; Networks?: Record<string, { Gateway?: string }> } }).NetworkSettings;
    return (
      settings?.Gateway ||
      Object.values(settings?.Networks ?? {})
        .map((n) => n.Gateway)
        .find((g) => !!g) ||
      undefined
    );
  }

  /** `docker load -i file`: streams the archive to the engine; the engine's own error is thrown. */
  async loadImage(file: string, timeoutMs = 600_000): Promise<string> {
    const target = this.address.kind === "unix" ? { socketPath: this.address.socketPath } : { host: this.address.host, port: this.address.port };
    const reply = await new Promise<EngineReply>((resolve, reject) => {
      const req = request(
        {
          ...target,
          method: "POST",
          path: "/images/load?quiet=1",
          headers: { host: "docker", "content-type": "application/x-tar" },
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", (error) =>
        reject(new HarnessError(`container engine at ${this.describe}: loading ${file} failed within ${timeoutMs}ms: ${error.message}`, { cause: error })),
      );
      const source = createReadStream(file);
      source.on("error", (error) => req.destroy(error));
      source.pipe(req);
    });
    const failure = reply.body
      .split("\n")
      .map((line) => {
        try {
          return (JSON.parse(line) as { error?: string }).error;
        } catch {
          return undefined;
        }
      })
      .find((e) => e);
    if (reply.status !== 200 || failure)
      throw new HarnessError(
        `container engine at ${this.describe}: loading ${file} answered HTTP ${reply.status} ${failure ? JSON.stringify(failure) : firstLine(reply.body)}`,
      );
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
