import { open, rm } from "node:fs/promises";
import path from "node:path";
import { systemClock } from "../common/clock.ts";
import { HarnessError } from "../common/errors.ts";
import { activeFault, requireControl, unsupportedRuntime } from "./active-fault.ts";
import type { Fault, FaultOptions } from "./fault.ts";
import { DEFAULT_TMPFS_BYTES, formatFaultSpec, type FaultSpec } from "./fault-spec.ts";
import { hostCapabilities } from "./host-capabilities.ts";

/** The file that fills the tmpfs; heal deletes it. */
export const FILL_FILE = ".obsconf-disk-full";
const CHUNK_BYTES = 1024 * 1024;

/**
 * `disk-full:<component>[:size]`: the runtime mounts each of the component's data dirs on a
 * tmpfs of `size` (default 64MiB) at start; inject writes a file until the filesystem answers
 * ENOSPC, heal deletes it.
 */
export function createDiskFullFault(spec: FaultSpec, { capabilities = hostCapabilities }: FaultOptions = {}): Fault {
  const bytes = spec.params.tmpfsBytes ?? DEFAULT_TMPFS_BYTES;
  const how = `${spec.component}'s data dir on a ${Math.round(bytes / 1024 / 1024)}MiB tmpfs, filled to ENOSPC by ${FILL_FILE}; heal deletes it`;
  return {
    spec,
    name: formatFaultSpec(spec),
    async preflight({ runtime } = { runtime: "local" }) {
      if (runtime !== "local") return unsupportedRuntime(runtime, "disk-full");
      if (!(await capabilities()).root) return { status: "unsupported", reason: "not root: mounting a tmpfs for the data dir needs CAP_SYS_ADMIN" };
      return { status: "supported", how, needs: [{ kind: "tmpfs-data", component: spec.component, bytes }] };
    },
    async inject(stack) {
      const control = requireControl(stack, spec);
      const tmpfs = control.tmpfs();
      if (!tmpfs || tmpfs.paths.length === 0)
        throw new HarnessError(
          `${formatFaultSpec(spec)}: needs ${spec.component}'s data dir on a tmpfs placed at start (pass preflight().needs as placements); it has ${control.dataDirs().length} data dir(s) and no tmpfs`,
        );
      const files = tmpfs.paths.map((dir) => path.join(dir, FILL_FILE));
      const undo = async () => void (await Promise.all(files.map((file) => rm(file, { force: true }))));
      try {
        for (const file of files) await fillUntilFull(file);
      } catch (error) {
        await undo();
        throw error;
      }
      return activeFault({ spec, how, injectedAtMs: systemClock.nowMs(), undo });
    },
  };
}

/** Appends to `file` (1 MiB, then 4 KiB writes) until ENOSPC; any other error is a HarnessError. */
async function fillUntilFull(file: string): Promise<void> {
  const handle = await open(file, "a");
  try {
    for (const size of [CHUNK_BYTES, 4096]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (let written = 0; written < 64 * 1024 * CHUNK_BYTES; written += size) {
        try {
          await handle.write(chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw new HarnessError(`filling ${file} to ENOSPC failed`, { cause: error });
        }
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}
