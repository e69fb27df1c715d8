import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { promisify } from "node:util";
import { leftoverNetworkObjects, leftoverTmpfsMounts } from "../stack/index.ts";

const run = promisify(execFile);

/** Test support: host state an obsconf fault or placement could leave behind (all empty when clean). */
export interface Leftovers {
  namespaces: string[];
  veths: string[];
  tmpfsMounts: string[];
  /** Host nft tables or iptables rules naming obsconf (the faults only ever write rules inside their namespaces). */
  hostRules: string[];
  /** Of the given pids, those still alive. */
  processes: number[];
  /** Of the given loopback/veth addresses (proxies, forwarders, components), those still accepting connections. */
  listening: string[];
}

/**
 * What one run left: its namespaces/veths (by run id), tmpfs mounts under its run dir, the given
 * pids still alive, and any obsconf rule in the host's own tables (faults never write there).
 * Scoped to the run so test files running in parallel do not see each other's placements.
 */
export async function findLeftovers({
  runId,
  runDir,
  pids = [],
  addresses = [],
}: LeftoverScope & { pids?: readonly number[]; addresses?: readonly { host: string; port: number }[] }): Promise<Leftovers> {
  const { namespaces, veths } = await leftoverNetworkObjects(runId);
  const nft = await run("nft", ["list", "tables"]).then(
    (r) => r.stdout,
    () => "",
  );
  const iptables = await run("iptables-save").then(
    (r) => r.stdout,
    () => "",
  );
  const hostRules = [...nft.split("\n"), ...iptables.split("\n")].filter((l) => /obsconf/.test(l));
  return {
    namespaces,
    veths,
    tmpfsMounts: await leftoverTmpfsMounts(runDir),
    hostRules,
    processes: pids.filter(alive),
    listening: (await Promise.all(addresses.map(async (a) => ((await accepting(a)) ? [`${a.host}:${a.port}`] : [])))).flat(),
  };
}

export interface LeftoverScope {
  runId: string;
  runDir: string;
}

export const leftoverScope = (p: { stack: LeftoverScope }): LeftoverScope => ({ runId: p.stack.runId, runDir: p.stack.runDir });

export const NO_LEFTOVERS: Leftovers = { namespaces: [], veths: [], tmpfsMounts: [], hostRules: [], processes: [], listening: [] };

function accepting({ host, port }: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 500 });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

/** Alive and not a zombie waiting for its (gone) parent to be reaped by init. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
