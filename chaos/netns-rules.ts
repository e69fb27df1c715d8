import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { HarnessError } from "../common/errors.ts";
import type { NetnsPlacementInfo } from "../stack/index.ts";
import type { HostCapabilities } from "./host-capabilities.ts";
import { filterTool } from "./host-capabilities.ts";

const execFileAsync = promisify(execFile);
const COMMAND_TIMEOUT_MS = 5_000;

/** Runs one command; a failure is a HarnessError with the command, its exit and its stderr. */
export async function runCommand(file: string, args: readonly string[]): Promise<void> {
  try {
    await execFileAsync(file, args, { timeout: COMMAND_TIMEOUT_MS });
  } catch (error) {
    const e = error as { code?: unknown; stderr?: string; killed?: boolean };
    const seen = e.killed ? `no exit within ${COMMAND_TIMEOUT_MS}ms` : `exit ${String(e.code)}: ${(e.stderr ?? "").trim() || "(no stderr)"}`;
    throw new HarnessError(`${file} ${args.join(" ")} failed (${seen})`, { cause: error });
  }
}

/** What the rules drop: a share of the packets entering the namespace, or everything both ways. */
export type NetnsRule = { kind: "loss"; percent: number } | { kind: "partition" };

/**
 * Puts filter rules inside the component's namespace (so they vanish with it, and never touch
 * the host's own tables); the returned undo removes them. nft when present (one table per
 * fault kind), iptables otherwise (rules tagged with a comment).
 */
export async function addNetnsRules(caps: HostCapabilities, info: NetnsPlacementInfo, rule: NetnsRule): Promise<{ how: string; undo: () => Promise<void> }> {
  const tool = filterTool(caps);
  if (!tool || !caps.ip) throw new HarnessError(`no nft/iptables or ip on this host for ${rule.kind} rules in ${info.name}`);
  const inNs = (file: string, args: string[]) => runCommand(caps.ip!, ["netns", "exec", info.name, file, ...args]);
  const table = `obsconf_${rule.kind}`;
  if (tool.kind === "nft") {
    const share = rule.kind === "loss" ? Math.round(rule.percent * 100) : 10_000;
    const drop = share >= 10_000 ? ["drop"] : ["numgen", "random", "mod", "10000", "<", String(share), "drop"];
    const undo = () => inNs(tool.path, ["delete", "table", "inet", table]);
    await inNs(tool.path, ["add", "table", "inet", table]);
    try {
      await inNs(tool.path, ["add", "chain", "inet", table, "input", "{ type filter hook input priority 0 ; policy accept ; }"]);
      await inNs(tool.path, ["add", "rule", "inet", table, "input", "iifname", info.nsVeth, ...drop]);
      if (rule.kind === "partition") {
        await inNs(tool.path, ["add", "chain", "inet", table, "output", "{ type filter hook output priority 0 ; policy accept ; }"]);
        await inNs(tool.path, ["add", "rule", "inet", table, "output", "oifname", info.nsVeth, "drop"]);
      }
    } catch (error) {
      await undo().catch(() => undefined);
      throw error;
    }
    return { how: `nft table inet ${table} in network namespace ${info.name}`, undo };
  }
  const comment = ["-m", "comment", "--comment", `obsconf-${rule.kind}`];
  const rules: string[][] =
    rule.kind === "loss"
      ? [["INPUT", "-i", info.nsVeth, "-m", "statistic", "--mode", "random", "--probability", String(rule.percent / 100), ...comment, "-j", "DROP"]]
      : [
          ["INPUT", "-i", info.nsVeth, ...comment, "-j", "DROP"],
          ["OUTPUT", "-o", info.nsVeth, ...comment, "-j", "DROP"],
        ];
  const added: string[][] = [];
  try {
    for (const r of rules) {
      await inNs(tool.path, ["-A", ...r]);
      added.push(r);
    }
  } catch (error) {
    for (const r of added) await inNs(tool.path, ["-D", ...r]).catch(() => undefined);
    throw error;
  }
  return {
    how: `iptables rules (comment obsconf-${rule.kind}) in network namespace ${info.name}`,
    undo: async () => {
      for (const r of rules) await inNs(tool.path, ["-D", ...r]);
    },
  };
}
