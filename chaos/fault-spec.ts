import { InputError, describeSeen, type InputLocation } from "../common/errors.ts";
import { parseDurationMs } from "../common/duration.ts";

/** Every fault the harness can inject; one file each in chaos/. */
export const FAULT_KINDS = [
  "kill",
  "pause",
  "restart-keep-data",
  "restart-lose-data",
  "delay",
  "loss",
  "partition",
  "http-error",
  "ack-drop",
  "disk-full",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const HTTP_ERROR_STATUSES = [429, 500, 503] as const;
export type HttpErrorStatus = (typeof HTTP_ERROR_STATUSES)[number];

/** Default size of the tmpfs a disk-full fault puts the data dir on. */
export const DEFAULT_TMPFS_BYTES = 64 * 1024 * 1024;

/**
 * A fault as the user names it: `kind:component[@port][:argument]`, e.g. `kill:prometheus`,
 * `delay:prometheus:200ms`, `loss:prometheus:30%`, `http-error:prometheus@web:503`,
 * `disk-full:prometheus:64MiB`. `@port` names one Service port (default: every port of the
 * component, for the network faults).
 */
export interface FaultSpec {
  kind: FaultKind;
  component: string;
  /** Service port name (network faults); undefined = every Service port of the component. */
  port?: string;
  params: FaultParams;
}

export interface FaultParams {
  /** delay: added per request/response exchange. */
  delayMs?: number;
  /** loss: 0 < percent <= 100. */
  lossPercent?: number;
  /** http-error: the status answered instead of forwarding (default 503). */
  status?: HttpErrorStatus;
  /** disk-full: tmpfs size (default 64 MiB). */
  tmpfsBytes?: number;
}

const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3 };
const COMPONENT = /^([a-z0-9][a-z0-9-]*)(?:@([a-z0-9][a-z0-9-]*))?$/;

/** The canonical text of a spec (round-trips through parseFaultSpec). */
export function formatFaultSpec(spec: FaultSpec): string {
  const target = spec.port ? `${spec.component}@${spec.port}` : spec.component;
  const p = spec.params;
  const arg =
    p.delayMs !== undefined
      ? `${p.delayMs}ms`
      : p.lossPercent !== undefined
        ? `${p.lossPercent}%`
        : p.status !== undefined
          ? String(p.status)
          : p.tmpfsBytes !== undefined
            ? formatBytes(p.tmpfsBytes)
            : undefined;
  return [spec.kind, target, ...(arg === undefined ? [] : [arg])].join(":");
}

function formatBytes(bytes: number): string {
  for (const unit of ["GiB", "MiB", "KiB"]) if (bytes % SIZE_UNITS[unit]! === 0) return `${bytes / SIZE_UNITS[unit]!}${unit}`;
  return `${bytes}B`;
}

/** Parses `kind:component[@port][:argument]`; bad input is an InputError naming `at` (exit 2). */
export function parseFaultSpec(text: string, at: InputLocation): FaultSpec {
  const form = "kind:component[@port][:argument] (e.g. kill:prometheus, delay:prometheus:200ms)";
  const parts = text.split(":");
  if (parts.length < 2 || parts.length > 3) throw new InputError(at, form, describeSeen(text));
  const [kindText, target, arg] = parts as [string, string, string | undefined];
  if (!(FAULT_KINDS as readonly string[]).includes(kindText)) throw new InputError(at, `a fault kind (${FAULT_KINDS.join(", ")})`, describeSeen(kindText));
  const kind = kindText as FaultKind;
  const match = COMPONENT.exec(target);
  if (!match) throw new InputError(at, "a component name (lowercase, e.g. prometheus) optionally followed by @port-name", describeSeen(target));
  const base = { kind, component: match[1]!, ...(match[2] ? { port: match[2] } : {}) };
  const params = parseParams(kind, arg, text, at);
  return { ...base, params };
}

function parseParams(kind: FaultKind, arg: string | undefined, text: string, at: InputLocation): FaultParams {
  const needs = (what: string) => {
    if (arg === undefined || arg === "") throw new InputError(at, `${kind}:component:${what}`, describeSeen(text));
    return arg;
  };
  switch (kind) {
    case "delay": {
      const value = needs("<duration, e.g. 200ms>");
      const delayMs = parseDurationMs(value);
      if (delayMs === undefined || delayMs <= 0 || delayMs > 600_000)
        throw new InputError(at, "a delay between 1ms and 10m (e.g. 200ms, 2s)", describeSeen(value));
      return { delayMs };
    }
    case "loss": {
      const value = needs("<percent, e.g. 30%>");
      const lossPercent = /^\d+(\.\d+)?%?$/.test(value) ? Number(value.replace("%", "")) : Number.NaN;
      if (!(lossPercent > 0 && lossPercent <= 100)) throw new InputError(at, "a loss percentage above 0 and at most 100 (e.g. 30%)", describeSeen(value));
      return { lossPercent };
    }
    case "http-error": {
      if (arg === undefined) return { status: 503 };
      const status = Number(arg);
      if (!(HTTP_ERROR_STATUSES as readonly number[]).includes(status) || !/^\d+$/.test(arg))
        throw new InputError(at, `an HTTP status to inject (${HTTP_ERROR_STATUSES.join(", ")})`, describeSeen(arg));
      return { status: status as HttpErrorStatus };
    }
    case "disk-full": {
      if (arg === undefined) return { tmpfsBytes: DEFAULT_TMPFS_BYTES };
      const size = /^(\d+)(B|KiB|MiB|GiB|KB|MB|GB)$/.exec(arg);
      const bytes = size ? Number(size[1]) * SIZE_UNITS[size[2]!]! : Number.NaN;
      if (!(bytes >= 1024 * 1024 && bytes <= 8 * 1024 ** 3)) throw new InputError(at, "a tmpfs size between 1MiB and 8GiB (e.g. 64MiB)", describeSeen(arg));
      return { tmpfsBytes: bytes };
    }
    default:
      if (arg !== undefined) throw new InputError(at, `${kind}:component with no argument`, describeSeen(text));
      return {};
  }
}
