import path from "node:path";
import { HarnessError } from "../../../common/errors.ts";
import type { LocalService } from "../../components/index.ts";
import type { ComponentSpec } from "../../manifest/component-spec.ts";
import type { ComponentPlan } from "../../plan.ts";
import type { FaultPlacement } from "../../started-stack.ts";
import type { NamedProxy } from "./component-control.ts";
import { FaultProxy } from "./fault-proxy.ts";
import type { RunLedger } from "./host-state-ledger.ts";
import { createNetworkNamespace, type NetworkNamespace } from "./network-namespace.ts";
import { mountTmpfs, type TmpfsMount } from "./tmpfs-mount.ts";

/** One component the local runtime will run, with where it listens and where clients reach it. */
export interface Runnable {
  spec: ComponentSpec;
  plan: Extract<ComponentPlan, { mode: "process" | "substitute" }>;
  /** containerPort -> the local port the component itself listens on. */
  ports: Map<number, number>;
  dir: string;
  /** The address it listens on: 127.0.0.1, or its network namespace's veth address. */
  host: string;
  /** containerPort -> where clients reach it (a fault proxy's address, or host:port). */
  reach: Map<number, { host: string; port: number }>;
  proxies: NamedProxy[];
  netns?: NetworkNamespace;
  /** Bytes of the tmpfs its data dirs go on (a disk-full fault), if placed. */
  tmpfsBytes?: number;
}

/**
 * What faults need set up at start (proxies, network namespaces, tmpfs data dirs), made for one
 * run and released in reverse once its processes have stopped. Each change is one `note` line.
 */
export class FaultPlacements {
  readonly #proxies: FaultProxy[] = [];
  readonly #mounts: TmpfsMount[] = [];
  readonly #namespaces: NetworkNamespace[] = [];

  /** `ledger`: the run's host-state ledger, where each namespace, veth and mount is recorded as it is made. */
  constructor(
    readonly runId: string,
    readonly placements: readonly FaultPlacement[],
    readonly note: (line: string) => void,
    readonly freePort: () => Promise<number>,
    readonly ledger?: RunLedger,
  ) {}

  /** Lines for placements whose component does not run here (they are not made). */
  unmade(started: readonly string[]): string[] {
    return this.placements
      .filter((p) => !started.includes(p.component))
      .map((p) => `${p.component}: fault placement ${p.kind} not made: the component is not started here`);
  }

  /** Its namespace, the proxies in front of its ports, and where clients reach each port. */
  async place(r: Runnable): Promise<Runnable> {
    const mine = this.placements.filter((p) => p.component === r.spec.name);
    const name = r.spec.name;
    if (mine.some((p) => p.kind === "netns")) {
      r.netns = await createNetworkNamespace(this.runId, name, this.ledger ? { ledger: this.ledger } : {});
      this.#namespaces.push(r.netns);
      const { info } = r.netns;
      r.host = info.address;
      this.note(
        `${name}: runs in network namespace ${info.name} (veth ${info.hostVeth} ${info.hostAddress} <-> ${info.nsVeth} ${info.address}); listens on ${info.address}`,
      );
    }
    const tmpfs = mine.flatMap((p) => (p.kind === "tmpfs-data" ? [p.bytes] : []));
    if (tmpfs.length > 0) r.tmpfsBytes = Math.max(...tmpfs);
    const proxyWants = mine.flatMap((p) => (p.kind === "proxy" ? [p] : []));
    const allNames = portNamesOf(r.spec, [...r.ports.keys()]);
    for (const want of proxyWants) {
      if (want.port !== "*" && !allNames.has(want.port))
        throw new HarnessError(
          `fault proxy for ${name}@${want.port}: ${name} has no Service or container port named ${want.port} (it has: ${[...allNames].join(", ")})`,
        );
    }
    for (const [containerPort, localPort] of r.ports) {
      const names = [...portNamesOf(r.spec, [containerPort])];
      const wants = proxyWants.filter((p) => p.port === "*" || names.includes(p.port));
      if (wants.length === 0) {
        r.reach.set(containerPort, { host: r.host, port: localPort });
        continue;
      }
      const mode = wants.some((w) => w.mode === "http") ? "http" : "tcp";
      const proxy = await FaultProxy.start({
        component: name,
        port: names[0] ?? String(containerPort),
        mode,
        listen: { host: "127.0.0.1", port: await this.freePort() },
        upstream: { host: r.host, port: localPort },
      });
      this.#proxies.push(proxy);
      r.proxies.push({ proxy, names });
      r.reach.set(containerPort, { host: proxy.listen.host, port: proxy.listen.port });
      this.note(
        `${name}: ${names.join("/")}: fault proxy (${mode}) ${proxy.listen.host}:${proxy.listen.port} -> ${r.host}:${localPort}; clients reach ${name} through it`,
      );
    }
    return r;
  }

  /**
   * The Services as the component sees them. Outside a namespace: as they are. Inside one, the
   * host's loopback is out of reach, so each other Service port is forwarded from the host's
   * veth address (same port number), and its own ports are its namespace address.
   */
  async servicesSeenFrom(r: Runnable, services: readonly LocalService[]): Promise<LocalService[]> {
    if (!r.netns) return [...services];
    const { info } = r.netns;
    const seen: LocalService[] = [];
    // Each forwarder listens on a port of its own: reusing the upstream's port number on the veth
    // address would collide with a component that binds that port on 0.0.0.0 (the collector's
    // telemetry endpoint does).
    const forwarded = new Map<string, number>();
    for (const service of services) {
      const ports: LocalService["ports"] = [];
      for (const port of service.ports) {
        if (service.component === r.spec.name) {
          ports.push({ ...port, local: { host: r.host, port: r.ports.get(port.containerPort) ?? port.local.port } });
          continue;
        }
        const key = `${port.local.host}:${port.local.port}`;
        let listenPort = forwarded.get(key);
        if (listenPort === undefined) {
          listenPort = await this.freePort();
          forwarded.set(key, listenPort);
          this.#proxies.push(
            await FaultProxy.start({
              component: service.component,
              port: port.name,
              mode: "tcp",
              listen: { host: info.hostAddress, port: listenPort },
              upstream: port.local,
            }),
          );
        }
        ports.push({ ...port, local: { host: info.hostAddress, port: listenPort } });
      }
      seen.push({ ...service, ports });
    }
    this.note(`${r.spec.name}: other components reached from its namespace through forwarders on ${info.hostAddress} (one port each, asked of the OS)`);
    return seen;
  }

  /** Mounts the data dir `dir` on a tmpfs when the component has a tmpfs placement. */
  async dataDir(r: Runnable, dir: string): Promise<void> {
    if (r.tmpfsBytes === undefined) return;
    this.#mounts.push(await mountTmpfs(dir, r.tmpfsBytes, this.ledger ? { ledger: this.ledger } : {}));
    this.note(`${r.spec.name}: data dir ${dir} on a ${r.tmpfsBytes}-byte tmpfs`);
  }

  /** Proxies and forwarders closed, tmpfs unmounted, namespaces (and every rule in them) deleted. */
  async release(): Promise<void> {
    await Promise.all(this.#proxies.splice(0).map((p) => p.close()));
    for (const mount of this.#mounts.splice(0)) await mount.unmount();
    for (const ns of this.#namespaces.splice(0)) await ns.remove();
  }
}

/** Service port names (and the container port's own name) that target these container ports. */
function portNamesOf(spec: ComponentSpec, containerPorts: readonly number[]): Set<string> {
  const names = new Set<string>();
  for (const port of spec.container.ports) if (containerPorts.includes(port.containerPort) && port.name) names.add(port.name);
  for (const service of spec.services) for (const port of service.ports) if (containerPorts.includes(port.targetPort)) names.add(port.name);
  return names;
}

/** Local paths of the component's data volumes (a substitute's data dir). */
export function dataDirsOf(r: Runnable): string[] {
  if (r.plan.mode === "substitute") return [path.join(r.dir, "data")];
  return r.spec.container.mounts.filter((m) => m.kind === "data").map((m) => path.join(r.dir, "fs", m.mountPath));
}
