import type { Clock } from "../../common/clock.ts";
import type { Ledger } from "../../common/ledger.ts";
import type { Logger } from "../../common/log.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";
import type { CheckResult } from "../../assertions/run-result.ts";
import type { StackClients } from "../../stack/clients/stack-clients.ts";
import type { ComponentSpec } from "../../stack/manifest/component-spec.ts";
import type { ManifestSet } from "../../stack/manifest/load-manifests.ts";
import type { StartedStack } from "../../stack/started-stack.ts";
import type { Instruments } from "./instruments.ts";
import type { QuerySuites } from "./query-suites.ts";

/** What a scenario reports as it goes: a check started, a check done. The one progress event type. */
export type ProgressEvent = { kind: "start"; id: string } | { kind: "done"; check: CheckResult };

/** Everything a check of a started run may use; built by the backbone, read by every check group. */
export interface RunContext {
  readonly runId: string;
  readonly contract: Contract;
  /** The profile as this run uses it (load: its window may replace the profile's duration). */
  readonly profile: Profile;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wall-clock start of the run (query suites span the run from here). */
  readonly startedAtMs: number;
  readonly stack: StartedStack;
  /** The components as the manifests define them (configs included): what static checks and topic lookups read. */
  readonly specs: readonly ComponentSpec[];
  /** The manifests as written (before runtime overrides): static checks read them, and what the stack should do is computed from them. */
  readonly manifests: ManifestSet;
  readonly clients: StackClients;
  readonly suites: QuerySuites;
  readonly instruments: Instruments;
  /** Reports a check id as started, for checks a group discovers as it goes (chaos phases). */
  started(id: string): void;
  /** Aborted when a component this group goes through dies (conformance, load): readers and pollers stop waiting. */
  readonly signal?: AbortSignal;
  /** Closes `resource` when the run ends, on every path (before the stack stops). */
  defer<T extends AsyncDisposable>(resource: T): T;
}
