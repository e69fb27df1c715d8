import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { describeSeen, InputError } from "../common/errors.ts";
import type { AlertChannel } from "./alert-sink/notification.ts";
import { contractFileSchema, type ContractFile, type ProfileFile, type RegressionFile } from "./contract-schema.ts";
import { resolveTargets, type ContractTarget, type TargetPath } from "./contract-targets.ts";

export type { Comparator, ContractTarget, TargetPath, TargetUnit } from "./contract-targets.ts";
export { TARGET_PATHS } from "./contract-targets.ts";

export interface RequiredRoute {
  /** Alert labels the route matches; `{}` means every alert (e.g. the email summary). */
  match: Record<string, string>;
  channel: AlertChannel;
  seedRow: string;
  source: string;
}

/** Volumes and durations a run uses; never a target. */
export interface Profile {
  name: string;
  description: string;
  /** pullScrapes x pullSeries values go through the pull path; a latency check resting on fewer than minSamples is not a pass. */
  canaries: { count: number; intervalMs: number; pullScrapes: number; pullSeries: number; minSamples: number };
  query: { users: number; durationMs: number };
  load: { durationMs: number; offeredFraction: { metrics: number; logs: number; traces: number } };
  chaos: { faultDurationMs: number; observeAfterHealMs: number };
  /** When set, the alerting rules a run triggers use this `for` instead of the manifest's (and the report says so). */
  alerts: { shortenForToMs?: number };
  /** k3s: requests scaled in the rendering (never in the manifests on disk), so the stack fits a smaller engine. */
  kube: { requestsScale?: number };
}

/**
 * How far a measurement may move from a baseline run before it is a regression (durations in ms,
 * shares in percent). `source` is `<contract file>#regression` for reports.
 */
export interface RegressionBands {
  latencyP99: { increasePercent: number; minIncreaseMs: number };
  throughput: { decreasePercent: number };
  availability: { decreasePoints: number };
  rpo: { increaseMs: number };
  rto: { increasePercent: number; minIncreaseMs: number };
  source: string;
}

export interface Contract {
  /** The file as the user named it (the default is `assertions/contract.yaml`). */
  file: string;
  version: string;
  seedFile: string;
  targets: Record<TargetPath, ContractTarget>;
  alertRoutes: RequiredRoute[];
  profiles: Record<string, Profile>;
  /** Absent when the contract file has no `regression` section (then nothing can be diffed). */
  regression?: RegressionBands;
  /** Why checks with no target have none, by check id prefix (`untargeted`). */
  untargeted: readonly { prefix: string; reason: string; source: string }[];
}

/** The contract's reason a check has no target (the longest matching id prefix), if it states one. */
export function untargetedReason(contract: Pick<Contract, "untargeted">, checkId: string): { reason: string; source: string } | undefined {
  const rows = contract.untargeted.filter((row) => checkId === row.prefix || checkId.startsWith(row.prefix.endsWith(".") ? row.prefix : `${row.prefix}.`));
  const row = rows.sort((a, b) => b.prefix.length - a.prefix.length)[0];
  return row ? { reason: row.reason, source: row.source } : undefined;
}

export const DEFAULT_CONTRACT_FILE = "assertions/contract.yaml";
const DEFAULT_CONTRACT_PATH = fileURLToPath(new URL("./contract.yaml", import.meta.url));

/** Reads and validates the contract; any problem is an InputError naming file, field, expected and seen. */
export function loadContract(path?: string): Contract {
  const file = path ?? DEFAULT_CONTRACT_FILE;
  let source: string;
  try {
    source = readFileSync(path ?? DEFAULT_CONTRACT_PATH, "utf8");
  } catch (error) {
    throw new InputError({ file }, "a readable contract file", (error as NodeJS.ErrnoException).code ?? String(error), { cause: error });
  }
  return parseContract(source, file);
}

/** Validates contract text; `file` is only used in messages and `source` fields. */
export function parseContract(source: string, file: string): Contract {
  const doc = parseDocument(source);
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new InputError({ file }, "valid YAML", `${first.code} at line ${first.linePos?.[0]?.line ?? "?"}`, { cause: first });
  }
  const raw: unknown = doc.toJS();
  const parsed = contractFileSchema.safeParse(raw);
  if (!parsed.success) throw issueToInputError(parsed.error.issues[0]!, raw, file, parsed.error);
  return toContract(parsed.data, file);
}

export function targetFor(contract: Contract, path: TargetPath): ContractTarget {
  return contract.targets[path];
}

export function profileOf(contract: Contract, name: string): Profile {
  const profile = contract.profiles[name];
  if (profile === undefined) {
    throw new InputError({ file: contract.file, field: "profiles" }, `one of ${Object.keys(contract.profiles).join(", ")}`, describeSeen(name));
  }
  return profile;
}

export function requiredRoutes(contract: Contract, channel?: AlertChannel): RequiredRoute[] {
  return contract.alertRoutes.filter((r) => channel === undefined || r.channel === channel);
}

/** The rates a load generator offers under a profile: the documented targets times the profile's fractions. */
export function offeredRates(contract: Contract, profile: Profile): { metricsSamplesPerSec: number; logsBytesPerSec: number; tracesSpansPerSec: number } {
  return {
    metricsSamplesPerSec: contract.targets["throughput.metricsSamplesPerSec"].value * profile.load.offeredFraction.metrics,
    logsBytesPerSec: contract.targets["throughput.logsBytesPerSec"].value * profile.load.offeredFraction.logs,
    tracesSpansPerSec: contract.targets["throughput.tracesSpansPerSec"].value * profile.load.offeredFraction.traces,
  };
}

function toContract(data: ContractFile, file: string): Contract {
  return {
    file,
    version: data.version,
    seedFile: data.seed.file,
    targets: resolveTargets(data, file),
    alertRoutes: data.targets.alertRoutes.map((r, i) => ({ match: r.match, channel: r.channel, seedRow: r.seed, source: `${file}#targets.alertRoutes[${i}]` })),
    profiles: Object.fromEntries(Object.entries(data.profiles).map(([name, p]) => [name, toProfile(name, p)])),
    ...(data.regression ? { regression: toRegression(data.regression, file) } : {}),
    untargeted: Object.entries(data.untargeted ?? {}).map(([prefix, reason]) => ({ prefix, reason, source: `${file}#untargeted.${prefix}` })),
  };
}

function toRegression(r: RegressionFile, file: string): RegressionBands {
  return {
    latencyP99: { increasePercent: r.latencyP99.increasePercent, minIncreaseMs: r.latencyP99.minIncrease },
    throughput: { decreasePercent: r.throughput.decreasePercent },
    availability: { decreasePoints: r.availability.decreasePoints },
    rpo: { increaseMs: r.rpo.increase },
    rto: { increasePercent: r.rto.increasePercent, minIncreaseMs: r.rto.minIncrease },
    source: `${file}#regression`,
  };
}

function toProfile(name: string, p: ProfileFile): Profile {
  return {
    name,
    description: p.description,
    canaries: {
      count: p.canaries.count,
      intervalMs: p.canaries.interval,
      pullScrapes: p.canaries.pullScrapes,
      pullSeries: p.canaries.pullSeries ?? 1,
      minSamples: p.canaries.minSamples ?? 1,
    },
    query: { users: p.query.users, durationMs: p.query.duration },
    load: { durationMs: p.load.duration, offeredFraction: { ...p.load.offeredFraction } },
    chaos: { faultDurationMs: p.chaos.faultDuration, observeAfterHealMs: p.chaos.observeAfterHeal },
    alerts: p.alerts?.shortenForTo === undefined ? {} : { shortenForToMs: p.alerts.shortenForTo },
    kube: p.kube?.requestsScale === undefined ? {} : { requestsScale: p.kube.requestsScale },
  };
}

function issueToInputError(issue: z.core.$ZodIssue, raw: unknown, file: string, cause: unknown): InputError {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  const field = formatPath(path);
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k}"`).join(", ");
    return new InputError({ file, field }, issue.message, `${issue.keys.length === 1 ? "key" : "keys"} ${keys}`, { cause });
  }
  return new InputError({ file, field }, issue.message, describeSeen(valueAt(raw, path)), { cause });
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let at = raw;
  for (const key of path) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}
