import { absentCheck, errored, type CheckIdentity } from "../../assertions/checks/check-builder.ts";
import type { Contract, ContractTarget } from "../../assertions/contract.ts";
import { catalogTarget, identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import { InputError } from "../../common/errors.ts";
import type { Reach } from "../../stack/clients/reach.ts";
import { ComponentDiedError, componentDeathOf, type ComponentDeath, type StartedStack } from "../../stack/started-stack.ts";
import type { CheckFilter } from "./check-filter.ts";
import type { ProgressEvent, RunContext } from "./run-context.ts";

/**
 * Checks that run together because they share a canary, a trigger or a load window. The group
 * names the catalogued checks it produces, says what it needs from the stack (absent: each of its
 * checks is `unavailable` with the reason), and builds them.
 */
export interface CheckGroup<Needs = unknown> {
  /** Catalogued ids, or per-fault ids (chaos) with `identify`; `checkGroup` checks them against the catalog (a prefixed sign-off group derives its own). */
  readonly ids: readonly string[];
  /** Identity and target of an id when the group does not run (default: the catalog's, with `titleSuffix`). */
  identify?(id: string, startedAtMs: number, contract: Contract): { identity: CheckIdentity; target?: ContractTarget };
  needs(ctx: RunContext): Reach<Needs>;
  /** Before any group runs (e.g. each suite query sent once: a malformed one is bad input). */
  preflight?(ctx: RunContext, needs: Needs): Promise<void>;
  run(ctx: RunContext, needs: Needs, simulatedBy: readonly string[]): Promise<CheckResult[]>;
  /** Appended to catalogue titles (`, under load`). */
  readonly titleSuffix?: string;
}

/** An id a group may name: a catalogued check, or a chaos check of one fault (`chaos.<fault>…`, built per drill). */
export type GroupCheckId = CheckId | `chaos.${string}`;

/**
 * Keeps a group's `Needs` type while the scenarios hold lists of groups. Its ids must be catalogued
 * (or per-fault chaos ids): a misspelt id does not compile.
 */
export function checkGroup<Needs>(group: CheckGroup<Needs> & { readonly ids: readonly GroupCheckId[] }): CheckGroup<unknown> {
  return group as CheckGroup<unknown>;
}

function identify(group: CheckGroup, id: string, ctx: RunContext): { identity: CheckIdentity; target?: ContractTarget } {
  if (group.identify) return group.identify(id, ctx.clock.nowMs(), ctx.contract);
  const target = catalogTarget(ctx.contract, id as CheckId);
  return { identity: identityOf(id as CheckId, ctx.clock.nowMs(), group.titleSuffix), ...(target ? { target } : {}) };
}

export interface RunGroupsOptions {
  filter: CheckFilter;
  progress?: (event: ProgressEvent) => void;
  /** `sequential`: one group after the other (chaos phases); default: all at once. */
  order?: "concurrent" | "sequential";
  /**
   * Where unexpected component deaths are announced (conformance, load). A group going through a
   * component that dies stops at once: its checks `fail` naming the death. Absent (chaos): a death is
   * measured by the drill like a fault.
   */
  deaths?: Pick<StartedStack, "onDeath">;
}

/**
 * Runs the wanted groups: absent needs become `unavailable` checks, preflights run before any group,
 * then the groups (concurrently unless sequential). A group that throws is a harness fault: its
 * checks end in `error` with the fault's text; bad input (InputError) ends the run.
 */
export async function runGroups(
  groups: readonly CheckGroup[],
  ctx: RunContext,
  { filter, progress, order = "concurrent", deaths }: RunGroupsOptions,
): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const record = (check: CheckResult) => {
    if (!filter.wanted(check.id)) return;
    checks.push(check);
    progress?.({ kind: "done", check });
  };
  const wanted = groups.filter((g) => filter.wantedGroup(g.ids));
  const planned = wanted.map((group) => ({ group, needs: group.needs(ctx) }));
  for (const { group, needs } of planned) {
    if (needs.kind === "absent") {
      for (const id of group.ids) {
        const { identity, target } = identify(group, id, ctx);
        record(absentCheck(identity, needs.status, needs.reason, target));
      }
    }
  }
  const runnable = planned.flatMap(({ group, needs }) =>
    needs.kind === "ready" ? [{ group, needs: needs.value, simulatedBy: needs.simulatedBy, components: needs.components }] : [],
  );
  for (const { group, needs } of runnable) await group.preflight?.(ctx, needs);
  const watch = watchDeaths(deaths);
  const every = (group: CheckGroup, make: (identity: CheckIdentity, target: ContractTarget | undefined) => CheckResult) => {
    for (const id of group.ids) {
      const { identity, target } = identify(group, id, ctx);
      record(make(identity, target));
    }
  };
  const runOne = async ({ group, needs, simulatedBy, components }: (typeof runnable)[number]) => {
    for (const id of group.ids) if (filter.wanted(id)) progress?.({ kind: "start", id });
    const { signal, died } = watch.through(components);
    const outcome = await Promise.race([
      group.run({ ...ctx, signal }, needs, simulatedBy).then(
        (list) => ({ kind: "done" as const, list }),
        (error: unknown) => ({ kind: "threw" as const, error }),
      ),
      died.then((death) => ({ kind: "died" as const, death })),
    ]);
    if (outcome.kind === "done") for (const check of outcome.list) record(check);
    else if (outcome.kind === "died" || componentDeathOf(outcome.error)) {
      const death = outcome.kind === "died" ? outcome.death : componentDeathOf(outcome.error)!;
      every(group, (identity, target) => absentCheck(identity, "fail", new ComponentDiedError(death).message, target));
    } else {
      if (outcome.error instanceof InputError) throw outcome.error;
      ctx.logger.error(`${group.ids.join(", ")}: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`);
      every(group, (identity, target) => errored(identity, outcome.error, ctx.clock.nowMs(), target));
    }
  };
  try {
    if (order === "sequential") for (const r of runnable) await runOne(r);
    else await Promise.all(runnable.map(runOne));
  } finally {
    watch.stop();
  }
  return checks;
}

/**
 * Deaths of the components a group goes through: its signal is aborted (readers and pollers stop
 * waiting) and `died` settles with the death, so the group's checks end at once. Without a source
 * of deaths, nothing is watched.
 */
function watchDeaths(source: Pick<StartedStack, "onDeath"> | undefined) {
  const watched: { components: readonly string[]; controller: AbortController; resolve: (death: ComponentDeath) => void }[] = [];
  const unsubscribe = source?.onDeath?.((death) => {
    for (const w of watched) {
      if (!w.components.includes(death.component) || w.controller.signal.aborted) continue;
      w.controller.abort(new ComponentDiedError(death));
      w.resolve(death);
    }
  });
  return {
    through(components: readonly string[]): { signal: AbortSignal; died: Promise<ComponentDeath> } {
      const controller = new AbortController();
      const died = new Promise<ComponentDeath>((resolve) => watched.push({ components, controller, resolve }));
      return { signal: controller.signal, died };
    },
    stop: () => unsubscribe?.(),
  };
}
