import type { FaultPlacement } from "../stack/index.ts";
import { createDelayFault } from "./delay-fault.ts";
import { createDiskFullFault } from "./disk-full-fault.ts";
import type { Fault, FaultOptions } from "./fault.ts";
import type { FaultKind, FaultSpec } from "./fault-spec.ts";
import { createHttpFault } from "./http-fault.ts";
import { createKillFault } from "./kill-fault.ts";
import { createNetworkCutFault } from "./network-cut-fault.ts";
import { createPauseFault } from "./pause-fault.ts";
import { createRestartFault } from "./restart-fault.ts";

const FACTORIES: Record<FaultKind, (spec: FaultSpec, options?: FaultOptions) => Fault> = {
  kill: createKillFault,
  pause: createPauseFault,
  "restart-keep-data": createRestartFault,
  "restart-lose-data": createRestartFault,
  delay: createDelayFault,
  loss: createNetworkCutFault,
  partition: createNetworkCutFault,
  "http-error": createHttpFault,
  "ack-drop": createHttpFault,
  "disk-full": createDiskFullFault,
};

/** The fault for a parsed spec (see parseFaultSpec). */
export function createFault(spec: FaultSpec, options: FaultOptions = {}): Fault {
  return FACTORIES[spec.kind](spec, options);
}

/** One list of placements for the runtime from every supported fault's needs (duplicates merged; an http proxy serves tcp faults too). */
export function mergePlacements(needs: readonly FaultPlacement[]): FaultPlacement[] {
  const out = new Map<string, FaultPlacement>();
  for (const need of needs) {
    const key = need.kind === "proxy" ? `proxy:${need.component}:${need.port}` : `${need.kind}:${need.component}`;
    const seen = out.get(key);
    if (!seen) out.set(key, need);
    else if (seen.kind === "proxy" && need.kind === "proxy" && need.mode === "http") out.set(key, need);
    else if (seen.kind === "tmpfs-data" && need.kind === "tmpfs-data" && need.bytes > seen.bytes) out.set(key, need);
  }
  return [...out.values()];
}
