import { readFile } from "node:fs/promises";

/** CPU time and RSS of another process (a receiver) from /proc, to show what the receiver used in each run. */
export interface ProcSample {
  cpuMs: number;
  rssBytes: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux (getconf CLK_TCK)

export async function readProc(pid: number): Promise<ProcSample | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "pid (comm) ": state is field 3 (index 0); utime 14 and stime 15 are at indexes 11 and 12; rss (pages) 24 at 21.
    const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    const rssBytes = Number(fields[21]) * 4096;
    return { cpuMs, rssBytes };
  } catch {
    return undefined;
  }
}

export interface ProcWindow {
  /** CPU used over the window as % of one core; max RSS sampled. */
  stop(): Promise<{ cpuPctOfCore: number; maxRssBytes: number } | undefined>;
}

export async function startProcWindow(pid: number | undefined, intervalMs = 500): Promise<ProcWindow> {
  if (pid === undefined) return { stop: async () => undefined };
  const first = await readProc(pid);
  const began = performance.now();
  let maxRss = first?.rssBytes ?? 0;
  const timer = setInterval(() => {
    void readProc(pid).then((s) => {
      if (s) maxRss = Math.max(maxRss, s.rssBytes);
    });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      const last = await readProc(pid);
      if (first === undefined || last === undefined) return undefined;
      const elapsedMs = performance.now() - began;
      return { cpuPctOfCore: Math.round(((last.cpuMs - first.cpuMs) / elapsedMs) * 1000) / 10, maxRssBytes: Math.max(maxRss, last.rssBytes) };
    },
  };
}
