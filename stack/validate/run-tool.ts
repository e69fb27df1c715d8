import { execFile } from "node:child_process";

export interface ToolRun {
  code: number;
  output: string;
}

/** Runs a checker binary with a timeout; never throws for a non-zero exit (that is the checker's verdict). */
export function runTool(file: string, args: readonly string[], { cwd, timeoutMs = 30_000 }: { cwd?: string; timeoutMs?: number } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") return reject(error);
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}
