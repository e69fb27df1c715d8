import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { HarnessError } from "../../../common/errors.ts";
import type { ComponentControl, ComponentExit, FaultProxyControl, NetnsPlacementInfo } from "../../started-stack.ts";
import type { ComponentProcess } from "./component-process.ts";
import type { FaultProxy } from "./fault-proxy.ts";

/** A fault proxy and every Service/container port name it answers to. */
export interface NamedProxy {
  proxy: FaultProxy;
  names: readonly string[];
}

export interface LocalControlOptions {
  process: ComponentProcess;
  dataDirs: readonly string[];
  proxies: readonly NamedProxy[];
  netns?: NetnsPlacementInfo;
  tmpfs?: { paths: readonly string[]; bytes: number };
  /** Whether the stack is stopping (no restarts then). */
  stackStopping(): boolean;
  /** Called after a (re)start is ready, so the stack's status shows the new pid. */
  onReady(readyAfterMs: number, pid: number | undefined): void;
}

/** The local runtime's fault control surface for one component (see ComponentControl). */
export class LocalComponentControl implements ComponentControl {
  #startedAtMs = 0;

  constructor(
    readonly component: string,
    readonly options: LocalControlOptions,
  ) {}

  pid(): number | undefined {
    return this.running() ? this.options.process.pid : undefined;
  }

  running(): boolean {
    return this.options.process.running;
  }

  stopping(): boolean {
    return this.options.stackStopping();
  }

  dataDirs(): readonly string[] {
    return this.options.dataDirs;
  }

  signal(signal: NodeJS.Signals): void {
    this.options.process.signal(signal);
  }

  async kill(): Promise<ComponentExit | undefined> {
    const exit = await this.options.process.kill();
    return exit ? { code: exit.code, signal: exit.signal } : undefined;
  }

  async start({ wipeData = false }: { wipeData?: boolean } = {}): Promise<void> {
    if (this.stopping()) throw new HarnessError(`${this.component} not started again: its stack is stopping`);
    if (this.running()) throw new HarnessError(`${this.component} is still running (pid ${this.pid()}); kill() it before start()`);
    if (wipeData) for (const dir of this.options.dataDirs) await emptyDir(dir);
    this.#startedAtMs = performance.now();
    this.options.process.start();
  }

  async waitReady(timeoutMs: number): Promise<{ readyAfterMs: number }> {
    await this.options.process.waitReady(timeoutMs);
    const readyAfterMs = Math.round(performance.now() - this.#startedAtMs);
    this.options.onReady(readyAfterMs, this.options.process.pid);
    return { readyAfterMs };
  }

  proxy(port: string): FaultProxyControl | undefined {
    return this.options.proxies.find((p) => p.names.includes(port))?.proxy;
  }

  proxies(): readonly FaultProxyControl[] {
    return this.options.proxies.map((p) => p.proxy);
  }

  netns(): NetnsPlacementInfo | undefined {
    return this.options.netns;
  }

  tmpfs(): { paths: readonly string[]; bytes: number } | undefined {
    return this.options.tmpfs;
  }
}

/** Removes everything inside `dir` but keeps `dir` (it may be a mount point). */
async function emptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(entries.map((entry) => rm(path.join(dir, entry), { recursive: true, force: true })));
}
