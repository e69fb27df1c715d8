import { execFile, execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { HarnessError } from "../../../common/errors.ts";
import type { NetnsPlacementInfo } from "../../started-stack.ts";
import { onExitSync } from "./child-registry.ts";
import type { RunLedger } from "./host-state-ledger.ts";
import { holdHostState, type HeldHostState } from "./reaper.ts";

const execFileAsync = promisify(execFile);
const COMMAND_TIMEOUT_MS = 5_000;
/** Every namespace and veth the harness makes starts with these, so leftovers can be found (and asserted absent). */
export const NETNS_PREFIX = "obsconf-";
export const VETH_PREFIX = "ocf";

/** A network namespace + veth pair for one component; `remove()` deletes both (and so every rule inside). */
export interface NetworkNamespace {
  info: NetnsPlacementInfo;
  remove(): Promise<void>;
}

async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await execFileAsync("ip", args, { timeout: COMMAND_TIMEOUT_MS })).stdout;
  } catch (error) {
    const e = error as { code?: unknown; stderr?: string };
    throw new HarnessError(`ip ${args.join(" ")} failed (exit ${String(e.code)}: ${(e.stderr ?? "").trim() || "no stderr"})`, { cause: error });
  }
}

/** Six hex digits naming a run in its namespaces and veths, so one run's leftovers can be told from another's. */
export function runToken(runId: string): string {
  return createHash("sha256").update(runId).digest("hex").slice(0, 6);
}

/**
 * Creates `obsconf-<run>-<component>` with a veth pair `ocf<run><n>h` (host, 10.x.y.1/30) <->
 * `ocf<run><n>n` (namespace, 10.x.y.2/30), both up, loopback up inside. Needs root and iproute2.
 */
export async function createNetworkNamespace(runId: string, component: string, { ledger }: { ledger?: RunLedger } = {}): Promise<NetworkNamespace> {
  const token = runToken(runId);
  const id = `${token}${randomBytes(1).toString("hex")}`;
  const name = `${NETNS_PREFIX}${token}-${component.slice(0, 30)}`;
  const hostVeth = `${VETH_PREFIX}${id}h`;
  const nsVeth = `${VETH_PREFIX}${id}n`;
  const subnet = await freeSubnet();
  const info: NetnsPlacementInfo = { name, hostVeth, hostAddress: `${subnet}.1`, nsVeth, address: `${subnet}.2` };
  const removeSync = () => {
    for (const args of [
      ["link", "del", hostVeth],
      ["netns", "del", name],
    ]) {
      try {
        execFileSync("ip", args, { stdio: "ignore", timeout: COMMAND_TIMEOUT_MS });
      } catch {
        /* already gone */
      }
    }
  };
  const holds: HeldHostState[] = [];
  const hold = (thing: Parameters<typeof holdHostState>[0]) => holds.push(holdHostState(thing, ledger ? { ledger } : {}));
  const unregister = onExitSync(() => {
    removeSync();
    for (const h of holds) h.release("removed at exit");
  });
  const remove = async () => {
    unregister();
    // The veth first: while a process still holds the namespace, `ip netns del` leaves it (and its veth) alive.
    await ip(["link", "del", hostVeth]).catch(() => undefined);
    await ip(["netns", "del", name]).catch(() => undefined);
    for (const h of holds.splice(0)) h.release("removed");
  };
  try {
    // Recorded before it is made, so a kill between the two leaves a record to clean up by (undoing an absent thing is a no-op).
    hold({ kind: "netns", name });
    await ip(["netns", "add", name]);
    hold({ kind: "veth", name: hostVeth });
    await ip(["link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth, "netns", name]);
    await ip(["addr", "add", `${info.hostAddress}/30`, "dev", hostVeth]);
    await ip(["link", "set", hostVeth, "up"]);
    await ip(["-n", name, "addr", "add", `${info.address}/30`, "dev", nsVeth]);
    await ip(["-n", name, "link", "set", nsVeth, "up"]);
    await ip(["-n", name, "link", "set", "lo", "up"]);
  } catch (error) {
    await remove();
    throw error;
  }
  return { info, remove };
}

/** A 10.231-254.x.0/30 subnet no interface on the host uses (three octets returned). */
async function freeSubnet(): Promise<string> {
  const used = await ip(["-o", "-4", "addr", "show"]);
  for (let attempt = 0; attempt < 50; attempt++) {
    const bytes = randomBytes(2);
    const prefix = `10.${231 + (bytes[0]! % 24)}.${bytes[1]!}`;
    // One /30 per third octet keeps the check a plain substring test.
    if (!used.includes(` ${prefix}.`)) return prefix;
  }
  throw new HarnessError("no free 10.231-254.x.0/30 subnet for a network namespace after 50 tries");
}

/** Names of obsconf namespaces and veths present on the host now (of one run when `runId` is given), for leftover checks. */
export async function leftoverNetworkObjects(runId?: string): Promise<{ namespaces: string[]; veths: string[] }> {
  const token = runId === undefined ? "" : runToken(runId);
  const namespaces = (await ip(["netns", "list"]))
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => n.startsWith(`${NETNS_PREFIX}${token}${token ? "-" : ""}`));
  const veths = (await ip(["-o", "link", "show"]))
    .split("\n")
    .map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "")
    .filter((n) => n.startsWith(`${VETH_PREFIX}${token}`));
  return { namespaces, veths };
}
