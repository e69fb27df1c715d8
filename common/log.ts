/** Minimal leveled logger: progress to stderr so stdout stays for tables and machine output. */
export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger({
  level = (process.env.OBSCONF_LOG_LEVEL as LogLevel | undefined) ?? "info",
  write = (line: string) => process.stderr.write(`${line}\n`),
}: {
  level?: LogLevel;
  write?: (line: string) => void;
} = {}): Logger {
  const emit = (at: LogLevel, message: string) => {
    if (ORDER[at] >= ORDER[level]) write(at === "info" ? message : `${at}: ${message}`);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
