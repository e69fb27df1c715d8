import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import type { ComponentPlan } from "../stack/plan.ts";

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  /** `uptime`'s 1-minute load average at the start: > cores means the numbers were measured under contention. */
  loadAverageAtStart: number;
}

export function machineFacts(): MachineFacts {
  const list = cpus();
  const load = Number(/load average:\s*([\d.]+)/.exec(execFileSync("uptime", { encoding: "utf8" }))?.[1] ?? Number.NaN);
  return {
    cores: list.length,
    cpuModel: list[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    loadAverageAtStart: load,
  };
}

/** The version the runtime found, else the Debian package's (Debian's VictoriaMetrics prints an empty version). */
export function binaryVersion(plan: ComponentPlan | undefined): string {
  if (plan === undefined || plan.mode === "unavailable" || plan.mode === "pod" || plan.mode === "attached") return "unknown";
  if (plan.binaryVersion !== undefined && plan.binaryVersion !== "") return plan.binaryVersion;
  return packageVersionOf(plan.binary) ?? "unknown";
}

export function packageVersionOf(binary: string): string | undefined {
  try {
    const owner = execFileSync("dpkg-query", ["-S", binary], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split(":")[0]!
      .trim();
    const version = execFileSync("dpkg-query", ["-W", "-f", "${Version}", owner], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return `${version} (Debian package ${owner})`;
  } catch {
    return undefined;
  }
}
