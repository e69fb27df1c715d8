import { systemClock, type Clock } from "../../common/clock.ts";
import { Ledger } from "../../common/ledger.ts";
import { silentLogger, type Logger } from "../../common/log.ts";
import type { SinkEndpoints } from "../../assertions/alert-sink/alertmanager-overrides.ts";
import { loadContract, profileOf, type Contract, type Profile } from "../../assertions/contract.ts";
import type { CheckResult, RunResult, Timeline } from "../../assertions/run-result.ts";
import { componentsThrough } from "../../assertions/checks/check-catalog.ts";
import { StackClients } from "../../stack/clients/stack-clients.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { extractComponents } from "../../stack/manifest/component-spec.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import { newRunId } from "../../stack/runtimes/local/local-runtime.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";
import { ATTACH_NO_CONTROL } from "../../stack/runtimes/attach/no-control.ts";
import { startStack } from "../../stack/runtimes/start-stack.ts";
import type { FaultPlacement, RuntimeOverride } from "../../stack/started-stack.ts";
import { alertmanagerToSinks } from "./alert-sink-override.ts";
import { assembleRun } from "./assemble-run.ts";
import { checkFilter, type CheckFilter } from "./check-filter.ts";
import { runGroups, type CheckGroup } from "./check-group.ts";
import { startInstruments, type Instruments, type InstrumentsSpec } from "./instruments.ts";
import { loadQuerySuites, type QuerySuiteFiles } from "./query-suites.ts";
import type { ProgressEvent, RunContext } from "./run-context.ts";
import { instrumentListenHost, runtimeStartOptions } from "./runtime-start-options.ts";

/** What every scenario takes from the command line (or a test). */
export interface ScenarioOptions extends QuerySuiteFiles {
  runtime: RuntimeChoice;
  profile: string;
  manifestsDir: string;
  runsDir: string;
  contractFile?: string;
  bins?: Readonly<Record<string, string>>;
  /** Run only checks whose id starts with one of these prefixes (default: all); validated against the scenario's checks. */
  only?: readonly string[];
  /** Extra changes to the run (negative controls), applied after the scenario's own. */
  overrides?: readonly RuntimeOverride[];
  /** Rewrites where Alertmanager's receivers point (negative controls: a closed port). */
  sinkEndpoints?: (endpoints: SinkEndpoints) => SinkEndpoints;
  /** `--strict`: a simulated or unavailable check fails the run (the default for sign-off). */
  strict?: boolean;
  logger?: Logger;
  progress?: (event: ProgressEvent) => void;
  clock?: Clock;
}

/** What a scenario has decided before anything starts. */
export interface ScenarioPlanInput {
  runtime: RuntimeChoice;
  contract: Contract;
  profile: Profile;
  clock: Clock;
}

/**
 * A scenario: the checks it runs and the few things it adds to the shared run (its plan, instruments,
 * overrides, placements, sign-off blockers, timeline). The backbone does the rest, in the same order
 * for every scenario.
 */
export interface Scenario<Plan> {
  readonly name: "conformance" | "load" | "chaos" | "signoff";
  /** Every check id this scenario can report (`--only` is validated against them). */
  readonly checkIds: readonly string[];
  /** Input checks and decisions before anything starts (bad input throws InputError). */
  plan(input: ScenarioPlanInput): Promise<Plan> | Plan;
  /** The profile as the run uses it (default: the contract's). */
  profileFor?(plan: Plan): Profile;
  instruments?(plan: Plan, profile: Profile): InstrumentsSpec;
  /** Runtime overrides beyond pointing Alertmanager at the sinks (e.g. a shortened `for`). */
  overrides?(plan: Plan, profile: Profile): RuntimeOverride[];
  placements?(plan: Plan): readonly FaultPlacement[];
  /** Log lines that open the run (after the run line). */
  describe?(plan: Plan): readonly string[];
  groups(plan: Plan, ctx: RunContext): readonly CheckGroup[];
  /** `sequential` for drills whose phases must not overlap. */
  readonly order?: "concurrent" | "sequential";
  /**
   * An unexpected component death is a stack failure that ends the checks going through it at once
   * (`failure`, the default), or something the scenario measures like a fault (`measured`: chaos).
   */
  readonly deaths?: "failure" | "measured";
  /** Checks decided before the stack starts (chaos: faults this host cannot do). */
  decided?(plan: Plan): readonly CheckResult[];
  /** After the checks, before the stack stops: lines to add, a timeline. */
  finish?(plan: Plan, ctx: RunContext, checks: CheckResult[]): Promise<{ timeline?: Timeline }> | { timeline?: Timeline };
  /** Why this run cannot sign off, beyond what every run says (scaled load, a shortened window). */
  blockers?(plan: Plan, profile: Profile): readonly string[];
  /**
   * Runs made of several scenarios on one started stack (sign-off): their check groups in phases, one
   * after the other, each with its own order and death handling. Absent: one phase of `groups`.
   */
  phases?(plan: Plan, ctx: RunContext): readonly ScenarioPhase[];
  /** A sign-off: strict, one verdict per contract row, and a run that cannot sign off fails. */
  readonly signoff?: boolean;
}

/** One part of a run made of several scenarios (see `Scenario.phases`). */
export interface ScenarioPhase {
  readonly name: string;
  /** Built when the phase starts (a part's groups may note the time they are made). */
  groups(): readonly CheckGroup[];
  readonly order?: "concurrent" | "sequential";
  readonly deaths?: "failure" | "measured";
}

/**
 * The one run backbone, in order: contract and profile, `--only`, suites, the scenario's plan -> run
 * id and instruments (alert sinks, pull target) -> the stack from the manifests -> typed clients ->
 * the scenario's check groups -> stop -> RunResult. Everything started is stopped on every path.
 */
export async function runScenario<Plan>(scenario: Scenario<Plan>, options: ScenarioOptions): Promise<RunResult> {
  const run = await prepareRun(scenario, options);
  const { plan, profile, clock } = run;
  // A stack obsconf did not start (attach) takes no instrument it would have to be told about, and no override.
  const noProcessControl = options.runtime.runtime === "attach" ? ATTACH_NO_CONTROL : undefined;
  await using instruments: Instruments = await startInstruments(scenario.instruments?.(plan, profile) ?? {}, {
    runId: run.runId,
    ledger: run.ledger,
    listenHost: instrumentListenHost(options.runtime),
    clock,
    ...(noProcessControl ? { noProcessControl } : {}),
  });
  const sinkEndpoints = (options.sinkEndpoints ?? ((e) => e))(instruments.sinkEndpoints);
  const overrides = [alertmanagerToSinks(sinkEndpoints), ...(scenario.overrides?.(plan, profile) ?? []), ...(options.overrides ?? [])];
  const decided = announceRun(scenario, run, options);
  await using stack = await startStack(options.runtime, stackStartOptions(scenario, run, options, { overrides, instruments }));
  await using clients = new StackClients(stack);
  await using deferred = new DeferredResources();
  const ctx = runContext(run, { stack, clients, instruments, deferred, options });
  const checks = [...decided, ...(await runPhases(scenario, run, ctx, options))];
  const { timeline } = (await scenario.finish?.(plan, ctx, checks)) ?? {};
  await deferred[Symbol.asyncDispose]();
  // As the run ends (a component that died during it shows as error, with its death).
  const statuses = stack.components();
  await stack.stop();
  return assembleRun({
    scenario: scenario.name,
    runId: run.runId,
    profile,
    contract: run.contract,
    runtime: options.runtime,
    statuses,
    checks,
    startedAtMs: run.startedAtMs,
    clock,
    blockers: scenario.blockers?.(plan, profile) ?? [],
    ...(timeline ? { timeline } : {}),
    ...(options.strict || scenario.signoff ? { strict: true } : {}),
    overrides: overrides.map((o) => `${noProcessControl ? `not applied (${noProcessControl}): ` : ""}${o.component}: ${o.describe}`),
    ...(scenario.signoff ? { signoff: true } : {}),
  });
}

/** A run read and decided before anything starts: contract, profile, `--only`, suites, manifests, plan, run id. */
interface PreparedRun<Plan> {
  clock: Clock;
  logger: Logger;
  filter: CheckFilter;
  contract: Contract;
  suites: RunContext["suites"];
  manifests: RunContext["manifests"];
  specs: RunContext["specs"];
  plan: Plan;
  profile: Profile;
  runId: string;
  startedAtMs: number;
  ledger: Ledger;
}

/** Reads and checks the run's input (bad input throws InputError before anything starts). */
async function prepareRun<Plan>(scenario: Scenario<Plan>, options: ScenarioOptions): Promise<PreparedRun<Plan>> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const filter = checkFilter(options.only, { scenario: scenario.name, ids: scenario.checkIds });
  const contract = loadContract(options.contractFile);
  const contractProfile = profileOf(contract, options.profile);
  const suites = await loadQuerySuites(options);
  const manifests = await loadManifests(options.manifestsDir);
  const specs = extractComponents(manifests, COMPONENT_NAMES);
  const plan = await scenario.plan({ runtime: options.runtime, contract, profile: contractProfile, clock });
  const profile = scenario.profileFor?.(plan) ?? contractProfile;
  return { clock, logger, filter, contract, suites, manifests, specs, plan, profile, runId: newRunId(), startedAtMs: clock.nowMs(), ledger: new Ledger() };
}

/** The run's opening lines, and the checks decided before the stack starts (reported done at once). */
function announceRun<Plan>(scenario: Scenario<Plan>, run: PreparedRun<Plan>, options: ScenarioOptions): CheckResult[] {
  const { logger, profile, contract } = run;
  logger.info(
    `run ${run.runId}: ${scenario.name}, profile ${profile.name}, contract ${contract.version} (${contract.file}), runtime ${options.runtime.runtime} (${options.runtime.reason})`,
  );
  for (const line of scenario.describe?.(run.plan) ?? []) logger.info(`  ${line}`);
  const decided = (scenario.decided?.(run.plan) ?? []).filter((c) => run.filter.wanted(c.id));
  for (const check of decided) options.progress?.({ kind: "done", check });
  return decided;
}

/** How the stack starts: from the manifests, with the instruments' services and the run's overrides. */
function stackStartOptions<Plan>(
  scenario: Scenario<Plan>,
  run: PreparedRun<Plan>,
  options: ScenarioOptions,
  { overrides, instruments }: { overrides: RuntimeOverride[]; instruments: Instruments },
) {
  // Narrowed by --only: start just what the kept checks go through (a check that needs it all starts it all).
  const through = options.only ? componentsThrough(scenario.checkIds.filter((id) => run.filter.wanted(id))) : undefined;
  if (through && options.runtime.runtime === "local") run.logger.info(`  --only: starting only ${through.join(", ")} (what the selected checks go through)`);
  return {
    ...runtimeStartOptions(options.runtime, run.profile),
    ...(through ? { only: through } : {}),
    manifestsDir: options.manifestsDir,
    runsDir: options.runsDir,
    runId: run.runId,
    runStartedAtMs: run.startedAtMs,
    bins: options.bins ?? {},
    overrides,
    logger: run.logger,
    extraServices: instruments.extraServices,
    extraPods: instruments.extraPods,
    placements: scenario.placements?.(run.plan) ?? [],
  };
}

interface StartedParts {
  stack: RunContext["stack"];
  clients: StackClients;
  instruments: Instruments;
  deferred: DeferredResources;
  options: ScenarioOptions;
}

/** What every check group gets: the run's input, the started stack, its clients and the instruments. */
function runContext<Plan>(run: PreparedRun<Plan>, { stack, clients, instruments, deferred, options }: StartedParts): RunContext {
  const { runId, contract, profile, ledger, clock, logger, startedAtMs, manifests, specs, suites } = run;
  return {
    runId,
    contract,
    profile,
    ledger,
    clock,
    logger,
    startedAtMs,
    stack,
    manifests,
    specs,
    clients,
    suites,
    instruments,
    started: (id) => options.progress?.({ kind: "start", id }),
    defer: (resource) => deferred.add(resource),
  };
}

/** The scenario's check groups, phase after phase (one phase of `groups` unless it has `phases`). */
async function runPhases<Plan>(scenario: Scenario<Plan>, run: PreparedRun<Plan>, ctx: RunContext, options: ScenarioOptions): Promise<CheckResult[]> {
  const phases = scenario.phases?.(run.plan, ctx) ?? [
    {
      name: scenario.name,
      groups: () => scenario.groups(run.plan, ctx),
      ...(scenario.order ? { order: scenario.order } : {}),
      ...(scenario.deaths ? { deaths: scenario.deaths } : {}),
    },
  ];
  const checks: CheckResult[] = [];
  for (const phase of phases) {
    const groups = phase.groups().filter((g) => g.ids.length > 0);
    if (phases.length > 1) run.logger.info(`${scenario.name}: ${phase.name} (${groups.length} check groups)`);
    checks.push(
      ...(await runGroups(groups, ctx, {
        filter: run.filter,
        order: phase.order ?? "concurrent",
        ...(options.progress ? { progress: options.progress } : {}),
        ...(phase.deaths === "measured" ? {} : { deaths: ctx.stack }),
      })),
    );
  }
  return checks;
}

/** What groups opened for the whole run (drill transports), closed last-opened first, once. */
class DeferredResources implements AsyncDisposable {
  #resources: AsyncDisposable[] = [];

  add<T extends AsyncDisposable>(resource: T): T {
    this.#resources.push(resource);
    return resource;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const resources = this.#resources.reverse();
    this.#resources = [];
    for (const resource of resources) await resource[Symbol.asyncDispose]();
  }
}
