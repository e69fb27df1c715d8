import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { registerChild } from "../local/child-registry.ts";
import { holdHostState } from "../local/reaper.ts";
import { withParentDeathSignal } from "../local/parent-death-signal.ts";
import { DockerEngine } from "./docker-engine.ts";

export interface PrivateDockerd extends AsyncDisposable {
  /** `unix://<tmp>/docker.sock`, for DOCKER_HOST. */
  readonly host: string;
  readonly version: string;
}

const DOCKERD = "/usr/sbin/dockerd";

/**
 * A dockerd of the tests' own (Debian's docker.io), on a socket and data root in a temp dir, with no
 * iptables and no bridge (as this host allows): it answers like any engine, has no images, and reaches
 * no registry. Undefined when the binary is absent or it does not answer within `readyTimeoutMs`
 * (then nothing is left running). Stopped with its process group on dispose.
 */
export async function startPrivateDockerd(readyTimeoutMs = 30_000): Promise<PrivateDockerd | { unavailable: string }> {
  if (!existsSync(DOCKERD)) return { unavailable: `${DOCKERD} is not installed (apt-get install -y docker.io)` };
  if (process.getuid?.() !== 0) return { unavailable: "dockerd needs root" };
  const dir = await mkdtemp(path.join(tmpdir(), "obsconf-dockerd-"));
  const socket = path.join(dir, "docker.sock");
  // setpriv --pdeathsig: dockerd ends with the harness, SIGKILL included (seen here: its containerd goes with it).
  const command = withParentDeathSignal(DOCKERD, [
    "--iptables=false",
    "--bridge=none",
    `--data-root=${path.join(dir, "data")}`,
    `--exec-root=${path.join(dir, "exec")}`,
    `--pidfile=${path.join(dir, "dockerd.pid")}`,
    `-H=unix://${socket}`,
  ]);
  // dockerd bind-mounts its data root onto itself; killed, it leaves that mount: the reaper unmounts it.
  const dataRootMount = holdHostState({ kind: "mount", path: path.join(dir, "data") });
  const child = spawn(command.file, command.args, { detached: true, stdio: "ignore" });
  registerChild(child, { label: "dockerd" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
      const killed = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 10_000);
      await exited;
      clearTimeout(killed);
    }
    dataRootMount.release("dockerd stopped");
    await rm(dir, { recursive: true, force: true });
  };
  const engine = new DockerEngine({ kind: "unix", socketPath: socket }, 1_000);
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    const version = await engine.ping().catch(() => undefined);
    if (version !== undefined) return { host: `unix://${socket}`, version, [Symbol.asyncDispose]: stop };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  return { unavailable: `dockerd did not answer on ${socket} within ${readyTimeoutMs}ms` };
}
