import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What this host can do for faults; probed once per process (`hostCapabilities()`). */
export interface HostCapabilities {
  root: boolean;
  /** Absolute paths of the tools found on PATH (or undefined). */
  ip?: string;
  nft?: string;
  iptables?: string;
  tc?: string;
  /** Whether a netem qdisc can be created (tested in a throwaway namespace; false when not root or no tc/ip). */
  netem: boolean;
  /** Why netem is not usable, when it is not. */
  netemReason?: string;
}

let cached: Promise<HostCapabilities> | undefined;

export function hostCapabilities(): Promise<HostCapabilities> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<HostCapabilities> {
  const root = process.getuid?.() === 0;
  const [ip, nft, iptables, tc] = await Promise.all(["ip", "nft", "iptables", "tc"].map(which));
  const caps: HostCapabilities = {
    root,
    netem: false,
    ...(ip ? { ip } : {}),
    ...(nft ? { nft } : {}),
    ...(iptables ? { iptables } : {}),
    ...(tc ? { tc } : {}),
  };
  if (!root) return { ...caps, netemReason: "not root" };
  if (!ip || !tc) return { ...caps, netemReason: `no ${!ip ? "ip" : "tc"} on PATH` };
  const ns = `obsconf-netem-probe-${process.pid}`;
  try {
    await run(ip, ["netns", "add", ns]);
    await run(tc, ["-n", ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]);
    return { ...caps, netem: true };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return { ...caps, netemReason: `this kernel has no sch_netem (tc: ${stderr || (error as Error).message})` };
  } finally {
    await run(ip, ["netns", "del", ns]).catch(() => undefined);
  }
}

async function which(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"].filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The packet-filter tool rules are written with: nft preferred, iptables otherwise. */
export function filterTool(caps: HostCapabilities): { kind: "nft"; path: string } | { kind: "iptables"; path: string } | undefined {
  if (caps.nft) return { kind: "nft", path: caps.nft };
  if (caps.iptables) return { kind: "iptables", path: caps.iptables };
  return undefined;
}

/** Why network-namespace faults cannot run here (undefined when they can). */
export function netnsBlocker(caps: HostCapabilities): string | undefined {
  if (!caps.root) return "not root: creating a network namespace, a veth pair and filter rules needs CAP_NET_ADMIN";
  if (!caps.ip) return "no `ip` (iproute2) on PATH: cannot create the network namespace and veth pair";
  if (!filterTool(caps)) return "neither nft nor iptables on PATH (apt-get install -y nftables iptables)";
  return undefined;
}
