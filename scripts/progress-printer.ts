import type { ProgressEvent } from "../scenarios/shared/run-context.ts";

export type { ProgressEvent };

/**
 * Progress per check on stderr. In a terminal (and not under CI) a live status line shows what is
 * still running and for how long; elsewhere plain lines, one per start and per result.
 */
export function createProgressPrinter({
  stream = process.stderr,
  live = stream.isTTY === true && !process.env.CI,
}: {
  stream?: NodeJS.WriteStream;
  live?: boolean;
} = {}) {
  const t0 = performance.now();
  const running = new Map<string, number>();
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const stamp = () => `[${seconds(performance.now() - t0).padStart(7)}]`;
  let timer: NodeJS.Timeout | undefined;
  const status = () => {
    if (!live) return;
    const now = performance.now();
    const list = [...running].map(([id, since]) => `${id} ${seconds(now - since)}`).join(", ");
    stream.write(`\r\x1b[K${list ? `running: ${list}`.slice(0, (stream.columns ?? 120) - 1) : ""}`);
  };
  const line = (text: string) => stream.write(live ? `\r\x1b[K${text}\n` : `${text}\n`);
  return {
    onEvent(event: ProgressEvent): void {
      if (event.kind === "start") {
        running.set(event.id, performance.now());
        if (!live) line(`${stamp()} running ${event.id}`);
        timer ??= live ? setInterval(status, 1000).unref() : undefined;
      } else {
        for (const id of running.keys()) if (event.check.id.startsWith(id)) running.delete(id);
        const { status: s, id, reason } = event.check;
        line(`${stamp()} ${s.padEnd(11)} ${id}${reason ? `: ${reason.slice(0, 160)}` : ""}`);
      }
      status();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      if (live) stream.write("\r\x1b[K");
    },
  };
}
