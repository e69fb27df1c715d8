const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Go's `time.ParseDuration` (`1.5s`, `300ms`, `1h2m`) to nanoseconds; undefined when the text is not
 * one. Tempo reads `minDuration`/`maxDuration` and TraceQL duration literals this way.
 */
export function parseGoDurationNs(text: string): number | undefined {
  if (text === "0") return 0;
  if (text === "") return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (m === null || m.index !== start) return undefined;
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
  }
  return Math.round(total);
}
