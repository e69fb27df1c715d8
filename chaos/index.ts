/**
 * chaos/: faults that the drill (`obsconf run chaos`) injects into a started stack.
 *
 * Lifecycle, for the drill:
 * ```ts
 * const fault = createFault(parseFaultSpec("delay:prometheus:200ms", { file: "--fault" }));
 * const pre = await fault.preflight({ runtime: "local" });     // never throws for an unsupported host
 * if (pre.status === "unsupported") report(pre.reason);          // -> check status `unsupported`
 * await using stack = await LocalRuntime.start({ ..., placements: mergePlacements(pre.needs) });
 * await using active = await fault.inject(stack);               // in force when it resolves
 * // hold ... then
 * const { healedAtMs, readyAtMs } = await active.heal();        // idempotent; dispose heals too
 * ```
 * Kinds (spec text `kind:component[@port][:argument]`):
 * - `kill:c` SIGKILL c's process group; down until heal restarts it (same flags, ports, data).
 * - `pause:c` SIGSTOP the group; heal SIGCONT.
 * - `restart-keep-data:c` / `restart-lose-data:c` SIGKILL and start again at once with the data
 *   dir intact (WAL replay) / emptied; heal waits for readiness.
 * - `delay:c:200ms` netem on the namespace veth when the kernel has sch_netem, else the TCP
 *   proxy holds client->server bytes D ms.
 * - `loss:c:30%`, `partition:c` nft/iptables rules inside c's network namespace (root + ip +
 *   nft/iptables), else at the proxy (connections/requests cut; partition = black hole).
 * - `http-error:c[:429|500|503]` (default 503), `ack-drop:c` at the HTTP proxy, writes only
 *   (non-GET/HEAD); ack-drop answers 204 and stores nothing (the RPO negative control).
 * - `disk-full:c[:64MiB]` data dir on a tmpfs mounted at start; inject fills it to ENOSPC.
 *   Prometheus buffers WAL records in 32 KiB pages: small writes can still be acknowledged (and
 *   stay readable from the head) until the next page flush fails; from then on writes get 500.
 * Placements change addresses: a proxied port's endpoint is the proxy (127.0.0.1); a namespaced
 * component's endpoints are its namespace address (10.x.y.2), reached over the veth.
 * Every fault's preflight returns `unsupported` with a reason on a host or runtime that cannot
 * do it (not root, no ip/nft/iptables, runtime k3s/cluster), never a silent skip.
 */
export {
  FAULT_KINDS,
  HTTP_ERROR_STATUSES,
  DEFAULT_TMPFS_BYTES,
  parseFaultSpec,
  formatFaultSpec,
  type FaultKind,
  type FaultSpec,
  type FaultParams,
  type HttpErrorStatus,
} from "./fault-spec.ts";
export type { Fault, FaultOptions, ActiveFault, Preflight, PreflightContext, InjectOptions, HealResult } from "./fault.ts";
export { createFault, mergePlacements } from "./create-fault.ts";
export { hostCapabilities, netnsBlocker, type HostCapabilities } from "./host-capabilities.ts";
export { FILL_FILE } from "./disk-full-fault.ts";
