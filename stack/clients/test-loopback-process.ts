import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil } from "../../common/poll-until.ts";
import { freeLoopbackPort } from "./test-prometheus.ts";

/** Test support: a real binary (Prometheus, Alertmanager) on a free loopback port, in its own temp dir. */
export interface LoopbackProcess {
  baseUrl: string;
  dir: string;
  child: ChildProcess;
  stderrTail: () => string;
}

/** Starts `binary` on a free loopback port in a temp dir; resolves once `/-/ready` answers 200. */
export async function startLoopbackProcess({
  binary,
  files,
  args,
}: {
  binary: string;
  files: (dir: string) => Record<string, string>;
  args: (dir: string, listen: string) => string[];
}): Promise<LoopbackProcess> {
  const dir = await mkdtemp(join(tmpdir(), "obsconf-test-process-"));
  for (const [name, text] of Object.entries(files(dir))) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  const port = await freeLoopbackPort();
  const child = spawn(binary, args(dir, `127.0.0.1:${port}`), { stdio: ["ignore", "ignore", "pipe"] });
  let tail = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-2000);
  });
  const running: LoopbackProcess = { baseUrl: `http://127.0.0.1:${port}`, dir, child, stderrTail: () => tail };
  try {
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    await pollUntil(
      binary,
      async () => (exited() ? "exited" : (await fetch(`${running.baseUrl}/-/ready`)).status),
      (s) => s === 200 || s === "exited",
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    if (exited()) throw new Error(`${binary} exited before ready (stderr: ${tail.slice(-800)})`);
    return running;
  } catch (error) {
    await stopLoopbackProcess(running);
    throw error;
  }
}

export async function stopLoopbackProcess({ child, dir }: LoopbackProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(dir, { recursive: true, force: true });
}
