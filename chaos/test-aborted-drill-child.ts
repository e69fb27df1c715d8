import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** Test support: what test-aborted-drill.ts prints on its READY line once the drill is in force. */
export interface AbortedDrillReady {
  pid: number;
  netns: string;
  veth: string;
  tmpfs: string[];
  runsDir: string;
  runId: string;
  runDir: string;
  reaperPid: number;
}

export interface AbortedDrillChild {
  child: ChildProcess;
  ready: AbortedDrillReady;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * test-aborted-drill.ts as a child (Prometheus in a namespace on a tmpfs, paused, partitioned, its
 * disk full, delayed), once it has printed READY; `env` is added to this process' environment.
 */
export async function startAbortedDrill(mode: "signal" | "exit" | "slow-stop", env: Readonly<Record<string, string>> = {}): Promise<AbortedDrillChild> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "test-aborted-drill.ts"), mode], {
    cwd: path.resolve(import.meta.dirname, ".."),
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<AbortedDrillReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no READY line within 30000ms (stderr: ${stderr.slice(-500)})`)), 30_000);
    child.stdout!.on("data", (c: Buffer) => {
      stdout += c.toString();
      const line = /^READY (.*)$/m.exec(stdout);
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line[1]!) as AbortedDrillReady);
      }
    });
    child.once("exit", (code) => reject(new Error(`child exited (${code}) before READY (stderr: ${stderr.slice(-800)})`)));
  });
  return { child, ready, stderr: () => stderr, exited };
}
