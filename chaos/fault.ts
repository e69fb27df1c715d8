import type { FaultPlacement, StartedStack } from "../stack/index.ts";
import type { FaultSpec } from "./fault-spec.ts";
import type { HostCapabilities } from "./host-capabilities.ts";

/** How a fault is made; tests pass `capabilities` to see what a host without root or tools gets. */
export interface FaultOptions {
  /** What the host can do (default: probed once per process by `hostCapabilities()`). */
  capabilities?: () => Promise<HostCapabilities>;
}

/** Which runtime a fault will run against (preflight happens before the stack starts). */
export interface PreflightContext {
  runtime: StartedStack["runtime"];
}

/**
 * Whether this host and runtime can do the fault, decided before the stack starts.
 * `supported`: `how` says the mechanism for the report (e.g. "userspace TCP proxy in front of
 * prometheus (this kernel has no sch_netem)"); `needs` lists what the runtime must set up at
 * start (pass every fault's `needs` to the runtime's `placements` start option).
 * `unsupported`: `reason` says why (not root, no `ip`, no iptables/nft, runtime k3s, ...); the
 * drill reports it as `unsupported`, never skips it silently.
 */
export type Preflight = { status: "supported"; how: string; needs: readonly FaultPlacement[] } | { status: "unsupported"; reason: string };

/** One fault kind applied to one component. Create with `createFault(spec)`. */
export interface Fault {
  readonly spec: FaultSpec;
  /** `kind:component[...]` as the user wrote it (canonical form). */
  readonly name: string;
  /** Probes the host (root, ip, nft/iptables, netem, tmpfs) once; cached per process. Never throws for an unsupported host. */
  preflight(context?: PreflightContext): Promise<Preflight>;
  /**
   * Injects the fault into a started stack (which was started with `preflight().needs`).
   * Resolves once the fault is in force: the process is killed/stopped, the proxy is cutting,
   * the rules are in place, the disk is full. Throws HarnessError when the stack lacks the
   * placement or the component is not running (a harness fault, not an outcome).
   */
  inject(stack: StartedStack, options?: InjectOptions): Promise<ActiveFault>;
}

export interface InjectOptions {
  /** How long heal() waits for the component to be ready again after a restart (default 60000). */
  readyTimeoutMs?: number;
}

/**
 * A fault in force. `heal()` undoes it (restart, SIGCONT, rules removed, disk freed) and is
 * idempotent; disposing heals; the process's SIGINT/SIGTERM/uncaught-error shutdown heals too.
 * Times are wall-clock epoch milliseconds (the ledger's clock).
 */
export interface ActiveFault extends AsyncDisposable {
  readonly spec: FaultSpec;
  readonly name: string;
  /** The mechanism used (as preflight said). */
  readonly how: string;
  /** When the fault came into force (after the kill/rules/fill took effect). */
  readonly injectedAtMs: number;
  /** Undefined until healed. */
  healedAtMs(): number | undefined;
  /**
   * Undoes the fault. `healedAtMs` is when the undo took effect (rules gone, SIGCONT sent, disk
   * freed, process started again; for restart-* faults the restart at injection); for
   * kill/restart faults `readyAtMs` (>= healedAtMs) is when the readiness probe first answered
   * again (ready is not serving: RTO is measured by the drill from canary writes, not from this).
   * A restart that never gets ready within `readyTimeoutMs` rejects with the binary's last words.
   */
  heal(): Promise<HealResult>;
}

export interface HealResult {
  healedAtMs: number;
  readyAtMs?: number;
}
