import type { Clock } from "../../common/clock.ts";
import type { Ledger } from "../../common/ledger.ts";
import type { Contract, Profile } from "../../assertions/contract.ts";

/** What every canary check of a run shares: the run's ledger and id, the contract and profile, the clock. */
export interface CanaryRunContext {
  ledger: Ledger;
  runId: string;
  contract: Contract;
  profile: Profile;
  clock: Clock;
  /** Aborted when a component the check goes through dies: its readers stop waiting. */
  signal?: AbortSignal;
}
