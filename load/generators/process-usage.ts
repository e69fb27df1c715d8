/** CPU and peak RSS of this process over a window (the generator's own cost, reported next to the receiver's). */
export interface ProcessUsage {
  cpu: { userMs: number; systemMs: number };
  maxRssBytes: number;
}

export interface UsageMeter {
  /** Stops sampling; CPU since start and the largest RSS sampled (every `intervalMs` and at stop). */
  stop(): ProcessUsage;
}

export function startUsageMeter(intervalMs = 250): UsageMeter {
  const cpuAtStart = process.cpuUsage();
  let maxRssBytes = process.memoryUsage.rss();
  const timer = setInterval(() => {
    maxRssBytes = Math.max(maxRssBytes, process.memoryUsage.rss());
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      maxRssBytes = Math.max(maxRssBytes, process.memoryUsage.rss());
      const cpu = process.cpuUsage(cpuAtStart);
      return { cpu: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000 }, maxRssBytes };
    },
  };
}
