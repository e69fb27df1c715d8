import { execFile, execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { HarnessError } from "../../../common/errors.ts";
import { onExitSync } from "./child-registry.ts";
import type { RunLedger } from "./host-state-ledger.ts";
import { holdHostState } from "./reaper.ts";

const execFileAsync = promisify(execFile);
const COMMAND_TIMEOUT_MS = 5_000;

/** A tmpfs mounted on a directory of the run (a component's data dir); `unmount()` removes it. */
export interface TmpfsMount {
  path: string;
  bytes: number;
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `bytes` on `dir` (which must exist); needs root (CAP_SYS_ADMIN). */
export async function mountTmpfs(dir: string, bytes: number, { ledger }: { ledger?: RunLedger } = {}): Promise<TmpfsMount> {
  // Recorded before it is made, so a kill between the two leaves a record to clean up by (unmounting an absent mount is a no-op).
  const held = holdHostState({ kind: "mount", path: dir }, ledger ? { ledger } : {});
  try {
    await execFileAsync("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0755`, "obsconf-tmpfs", dir], { timeout: COMMAND_TIMEOUT_MS });
  } catch (error) {
    held.release("mount failed");
    throw new HarnessError(
      `mount -t tmpfs (size ${bytes} bytes) on ${dir} failed (${((error as { stderr?: string }).stderr ?? "").trim() || (error as Error).message})`,
      { cause: error },
    );
  }
  const unregister = onExitSync(() => {
    try {
      execFileSync("umount", ["-l", dir], { stdio: "ignore", timeout: COMMAND_TIMEOUT_MS });
      held.release("unmounted at exit");
    } catch {
      /* the reaper, or obsconf cleanup, retries from the record */
    }
  });
  return {
    path: dir,
    bytes,
    async unmount() {
      unregister();
      try {
        await execFileAsync("umount", [dir], { timeout: COMMAND_TIMEOUT_MS });
      } catch {
        await execFileAsync("umount", ["-l", dir], { timeout: COMMAND_TIMEOUT_MS }).catch(() => undefined);
      }
      held.release("unmounted");
    },
  };
}

/** Mount points of obsconf tmpfs mounts present now (under `dir` when given), for leftover checks. */
export async function leftoverTmpfsMounts(dir?: string): Promise<string[]> {
  const mounts = await readFile("/proc/self/mounts", "utf8");
  return mounts
    .split("\n")
    .filter((l) => l.startsWith("obsconf-tmpfs "))
    .map((l) => l.split(" ")[1]!)
    .filter((m) => dir === undefined || m === dir || m.startsWith(`${dir}/`));
}
