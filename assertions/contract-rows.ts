import { CHECKS } from "./checks/check-catalog.ts";
import type { Contract, TargetPath } from "./contract.ts";
import { STATED_TARGET_PATHS, TARGET_SPECS } from "./contract-targets.ts";
import type { CheckResult, CheckStatus, ContractRow, Target } from "./run-result.ts";

/** One row of the seed's tables as the contract states it, before any run. */
export interface ContractRowDef {
  /** A stated target path (`latency.ingestion.metrics`) or `alertRoutes[i]`. */
  key: string;
  seedRow: string;
  target: Target;
  /** Alert route rows: the channel the route must reach. */
  channel?: string;
}

/**
 * Every row of the seed's tables the contract states: each stated target (`seed.rows`), then each
 * required alert route (its own `seed` row). Derived targets (logs bytes/s) are not rows: they are
 * measured for the row they come from.
 */
export function contractRowDefs(contract: Contract): ContractRowDef[] {
  const targets = STATED_TARGET_PATHS.map((path): ContractRowDef => {
    const t = contract.targets[path];
    return { key: path, seedRow: t.seedRow, target: { comparator: t.comparator, value: t.value, unit: t.unit, source: t.source } };
  });
  const routes = contract.alertRoutes.map((route, i): ContractRowDef => {
    const match =
      Object.entries(route.match)
        .map(([k, v]) => `${k}=${v}`)
        .join(",") || "every alert";
    return {
      key: `alertRoutes[${i}]`,
      seedRow: route.seedRow,
      target: { comparator: "==", value: `${match} -> ${route.channel}`, unit: "", source: route.source },
      channel: route.channel,
    };
  });
  return [...targets, ...routes];
}

/** What a check is known by before it runs or after: its id and (if any) its target's source. */
export type RowCheck = Pick<CheckResult, "id"> & { target?: Pick<Target, "source"> };

/**
 * The rows a check measures: the row of its target (by the target's `#targets.<path>` source, so a
 * derived target counts for its stated row); the query latency checks also measure the concurrent
 * users they ran at; the route check every route and an alert delivery check its channel's routes;
 * a chaos fault that did not run the RPO and RTO rows it was to measure.
 */
export function rowsMeasuredBy(check: RowCheck, contract: Contract): string[] {
  const keys = new Set<string>();
  const path = check.target ? targetPathOfSource(check.target.source) : undefined;
  if (path) keys.add(path);
  if (path?.startsWith("latency.query.")) keys.add("query.concurrentUsers");
  const defs = contractRowDefs(contract);
  if (check.id === "config.alertmanager.routes" || check.id.endsWith(".config.alertmanager.routes")) for (const d of defs) if (d.channel) keys.add(d.key);
  const delivery = /(?:^|\.)alerts\.delivery\.([a-z]+)$/.exec(check.id);
  if (delivery) for (const d of defs) if (d.channel === delivery[1]) keys.add(d.key);
  const fault = /^chaos\.([a-z-]+):([a-z-]+)[^.]*\.fault$/.exec(check.id);
  if (fault) {
    keys.add("rpo.metrics").add("rto");
    if (fault[2] === "loki") keys.add("rpo.logs");
    if (fault[2] === "tempo") keys.add("rpo.traces");
  }
  return [...keys];
}

/** The target a catalogued check will be judged against, for plans (before it ran); per-fault chaos ids by their measure. */
export function plannedTarget(id: string, contract: Contract): Target | undefined {
  const def = (CHECKS as Record<string, { target?: TargetPath }>)[id];
  const chaos = /^chaos\.[^.]+(?:\.[^.]+)*?\.(rpo|rto)\.(metrics|logs|traces)$/.exec(id);
  const path: TargetPath | undefined = def?.target ?? (chaos ? (chaos[1] === "rto" ? "rto" : (`rpo.${chaos[2]}` as TargetPath)) : undefined);
  if (!path) return undefined;
  const t = contract.targets[path];
  return { comparator: t.comparator, value: t.value, unit: t.unit, source: t.source };
}

/** Worst first: a stack defect, a harness fault, then what did not touch the real stack. */
const STATUS_RANK: readonly CheckStatus[] = ["fail", "error", "unavailable", "unsupported", "simulated", "pass"];

/**
 * One verdict per contract row from a run's checks: the row's status is the worst of the checks that
 * measured it (none: `unavailable`, the row is not covered), its measurement the worst of theirs (the
 * highest for `<` targets, the lowest for `>=`, a differing one for `==`), and the evidence lists
 * those checks by id.
 */
export function judgeContractRows(contract: Contract, checks: readonly CheckResult[]): ContractRow[] {
  const measuring = new Map<string, CheckResult[]>();
  for (const check of checks) for (const key of rowsMeasuredBy(check, contract)) measuring.set(key, [...(measuring.get(key) ?? []), check]);
  return contractRowDefs(contract).map((def) => {
    const evidence = measuring.get(def.key) ?? [];
    const row = { key: def.key, seedRow: def.seedRow, target: def.target, evidence: evidence.map((c) => ({ checkId: c.id, status: c.status })) };
    if (evidence.length === 0) return { ...row, status: "unavailable", reason: "no check of this run measured it" };
    const status = STATUS_RANK.find((s) => evidence.some((c) => c.status === s))!;
    const worst = evidence.find((c) => c.status === status)!;
    const measured = worstMeasurement(def, evidence);
    const scaled = evidence.find((c) => c.target !== undefined && c.target.value !== def.target.value);
    const reason =
      status !== "pass"
        ? `${worst.id}: ${worst.reason ?? (worst.simulatedBy?.length ? `simulated by ${worst.simulatedBy.join(", ")}` : worst.status)}`
        : scaled
          ? `${scaled.id} was judged against the profile's scaled target (${scaled.target!.comparator} ${scaled.target!.value} ${scaled.target!.unit}), not this row's`
          : undefined;
    return { ...row, ...(measured ? { measured } : {}), status, ...(reason ? { reason } : {}) };
  });
}

function worstMeasurement(def: ContractRowDef, checks: readonly CheckResult[]): ContractRow["measured"] {
  const valued = checks.filter((c) => c.measured?.value !== undefined && targetPathOfSource(c.target?.source ?? "") === def.key);
  if (valued.length === 0) return undefined;
  const numeric = valued.filter((c) => typeof c.measured!.value === "number");
  let pick: CheckResult;
  if (def.target.comparator === "==" || numeric.length === 0) pick = valued.find((c) => c.status === "fail") ?? valued[0]!;
  else {
    const higherIsWorse = def.target.comparator === "<" || def.target.comparator === "<=";
    pick = numeric.reduce((a, b) => ((b.measured!.value as number) > (a.measured!.value as number) === higherIsWorse ? b : a));
  }
  return { value: pick.measured!.value!, unit: pick.measured!.unit, checkId: pick.id };
}

/** `assertions/contract.yaml#targets.latency.ingestion.metrics` -> `latency.ingestion.metrics` (a stated or derived target path). */
function targetPathOfSource(source: string): string | undefined {
  // A profile's scaled target reads `<file>#targets.<path> x profiles.<name>.load.offeredFraction.<signal> (<fraction>)`.
  const path = /#targets\.([A-Za-z.]+?)(?: |$)/.exec(source)?.[1];
  if (path === undefined || !(path in TARGET_SPECS)) return undefined;
  return (TARGET_SPECS as Record<string, { derivedFrom?: string }>)[path]!.derivedFrom ?? path;
}
