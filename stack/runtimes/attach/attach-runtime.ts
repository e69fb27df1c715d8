import { mkdir } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { request } from "undici";
import { systemClock, type Clock } from "../../../common/clock.ts";
import { TimeoutError } from "../../../common/errors.ts";
import { silentLogger, type Logger } from "../../../common/log.ts";
import { pollUntil } from "../../../common/poll-until.ts";
import { COMPONENT_NAMES, componentDef } from "../../components/index.ts";
import { extractComponents, type ComponentSpec } from "../../manifest/component-spec.ts";
import { loadManifests } from "../../manifest/load-manifests.ts";
import type { ComponentPlan } from "../../plan.ts";
import type { ComponentStatus, Endpoint, RuntimeOverride, StackEndpoints, StartedStack, StoppedStack } from "../../started-stack.ts";
import { newRunId } from "../local/local-runtime.ts";
import { ATTACH_NO_CONTROL } from "./no-control.ts";
import { checkEndpointsAgainstManifests, type AttachedComponent, type AttachEndpoints } from "./endpoints-file.ts";

export interface AttachStartOptions {
  endpoints: AttachEndpoints;
  manifestsDir: string;
  runsDir: string;
  runId?: string;
  /** What a run would change in the stack's configuration: not applied here, and listed as such. */
  overrides?: readonly RuntimeOverride[];
  /** How long each component's readiness probe may take (default 10 s). */
  readyTimeoutMs?: number;
  logger?: Logger;
  clock?: Clock;
}

/**
 * `--runtime attach`: a stack obsconf did not start (a staging deployment, or `obsconf up` in another
 * process), read from an endpoints file. Starts nothing: each component in the file is probed with its
 * manifest's readiness probe (the Service port it names, or its stand-in's readiness path) and is
 * `ready`, or `unavailable` with what the probe saw; a component not in the file is `unavailable`.
 * There is no `control()`, so every fault is unsupported, and no `nodeRootDir`, `deaths()` or
 * `lifeSignal()`. Stopping it stops nothing.
 */
export class AttachRuntime {
  static async start(options: AttachStartOptions): Promise<StartedAttachStack> {
    const logger = options.logger ?? silentLogger;
    const specs = extractComponents(await loadManifests(options.manifestsDir), COMPONENT_NAMES);
    checkEndpointsAgainstManifests(options.endpoints, specs);
    const runId = options.runId ?? newRunId();
    const runDir = path.resolve(options.runsDir, runId);
    await mkdir(runDir, { recursive: true });
    const file = options.endpoints.file;
    const statuses = await Promise.all(
      specs.map(async (spec): Promise<ComponentStatus> => {
        const attached = options.endpoints.components[spec.name];
        const base = { component: spec.name, title: componentDef(spec.name).title, image: spec.image.ref, manifestVersion: spec.image.tag };
        if (!attached)
          return {
            plan: { ...base, mode: "unavailable", reason: `not in the endpoints file ${file}` },
            status: { state: "unavailable", reason: `attach: not in the endpoints file ${file}` },
          };
        const plan: ComponentPlan = attached.substitute
          ? {
              ...base,
              mode: "substitute",
              substitute: attached.substitute,
              binary: `attached at ${Object.values(attached.ports).join(", ")}`,
              describe: substituteOf(spec.name, attached.substitute).describe,
              reason: `the endpoints file ${file} says ${attached.substitute} answers for ${spec.name}`,
            }
          : { ...base, mode: "attached", endpoints: attached.ports, file };
        const probe = readinessProbe(spec, attached);
        const status = await waitReady(probe, attached, { timeoutMs: options.readyTimeoutMs ?? 10_000, clock: options.clock ?? systemClock });
        logger.info(
          `  attach: ${spec.name} ${status.state === "ready" ? `ready (${probe.describe}, ${status.readyAfterMs}ms)` : `unavailable: ${status.reason}`}`,
        );
        return { plan, status };
      }),
    );
    const rewrites = [
      `attach: endpoints from ${file}; nothing started, nothing stopped (${ATTACH_NO_CONTROL})`,
      ...Object.entries(options.endpoints.components).flatMap(([name, c]) => c.credentialSources.map((source) => `attach: ${name}: ${source}`)),
      ...(options.overrides ?? []).map((o) => `attach: not applied (${ATTACH_NO_CONTROL}): ${o.component}: ${o.describe}`),
    ];
    return new StartedAttachStack(runId, runDir, statuses, endpointsOf(options.endpoints), rewrites);
  }
}

export class StartedAttachStack implements StartedStack {
  readonly runtime = "attach" as const;

  constructor(
    readonly runId: string,
    readonly runDir: string,
    private readonly statuses: readonly ComponentStatus[],
    private readonly stackEndpoints: StackEndpoints,
    private readonly lines: readonly string[],
  ) {}

  components(): readonly ComponentStatus[] {
    return this.statuses;
  }

  endpoints(): StackEndpoints {
    return this.stackEndpoints;
  }

  rewrites(): readonly string[] {
    return this.lines;
  }

  /** Nothing to stop: obsconf started nothing. */
  async stop(): Promise<StoppedStack> {
    return { runDir: this.runDir, exits: {} };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function endpointsOf(endpoints: AttachEndpoints): StackEndpoints {
  const out: Record<string, Record<string, Endpoint>> = {};
  for (const [name, c] of Object.entries(endpoints.components)) {
    for (const [port, url] of Object.entries(c.ports)) {
      const parsed = new URL(url);
      (out[name] ??= {})[port] = {
        host: parsed.hostname,
        port: Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80)),
        url,
        ...(Object.keys(c.headers).length > 0 ? { headers: c.headers } : {}),
      };
    }
  }
  return out;
}

type Probe = { kind: "http"; url: string; describe: string } | { kind: "tcp"; host: string; port: number; describe: string };

/**
 * The manifest's readiness probe, aimed at the file's URL for the Service port that targets the probed
 * container port; a stand-in's readiness path on its first port; else a TCP connect to the first URL.
 */
function readinessProbe(spec: ComponentSpec, attached: AttachedComponent): Probe {
  const urls = Object.entries(attached.ports);
  const first = new URL(urls[0]![1]);
  const tcp = (url: URL): Probe => ({
    kind: "tcp",
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    describe: `tcp ${url.host}`,
  });
  if (attached.substitute) {
    const url = `${urls[0]![1]}${substituteOf(spec.name, attached.substitute).readinessPath}`;
    return { kind: "http", url, describe: `GET ${url}` };
  }
  const readiness = spec.container.readiness;
  if (!readiness || readiness.kind === "exec") return tcp(first);
  const containerPortName = spec.container.ports.find((p) => p.containerPort === readiness.port)?.name;
  const portName = spec.services
    .flatMap((s) => s.ports)
    .find((p) => p.targetPort === readiness.port || (containerPortName !== undefined && p.targetPortName === containerPortName))?.name;
  const base = (portName !== undefined ? attached.ports[portName] : undefined) ?? urls[0]![1];
  if (readiness.kind === "tcp") return tcp(new URL(base));
  const url = `${base}${readiness.path}`;
  return { kind: "http", url, describe: `GET ${url}` };
}

async function waitReady(
  probe: Probe,
  attached: AttachedComponent,
  o: { timeoutMs: number; clock: Clock },
): Promise<{ state: "ready"; readyAfterMs: number } | { state: "unavailable"; reason: string }> {
  const started = o.clock.monotonicMs();
  try {
    await pollUntil(
      `attach: ${probe.describe}`,
      () => (probe.kind === "http" ? httpReady(probe.url, attached.headers) : tcpReady(probe.host, probe.port)),
      (seen) => seen === "ok",
      { timeoutMs: o.timeoutMs, intervalMs: 500, clock: o.clock },
    );
    return { state: "ready", readyAfterMs: Math.round(o.clock.monotonicMs() - started) };
  } catch (error) {
    return {
      state: "unavailable",
      reason: error instanceof TimeoutError ? error.message : `attach: ${probe.describe}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

async function httpReady(url: string, headers: Readonly<Record<string, string>>): Promise<string> {
  const response = await request(url, { method: "GET", headers: { ...headers }, signal: AbortSignal.timeout(2000) });
  const body = (await response.body.text()).trim().slice(0, 120);
  return response.statusCode >= 200 && response.statusCode < 400 ? "ok" : `HTTP ${response.statusCode} ${JSON.stringify(body)}`;
}

function tcpReady(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once("connect", () => (socket.destroy(), resolve("ok")));
    socket.once("error", (error) => resolve(error.message));
    socket.once("timeout", () => (socket.destroy(), resolve("timeout")));
  });
}

function substituteOf(component: string, name: string) {
  const def = componentDef(component).substitutes?.find((s) => s.name === name);
  if (!def) throw new Error(`no stand-in ${name} for ${component}`);
  return def;
}
