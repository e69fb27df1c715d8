import { parse } from "yaml";
import { systemClock, type Clock } from "../../common/clock.ts";
import { formatDurationExact, parseDurationMs } from "../../common/duration.ts";
import type { Contract } from "../contract.ts";
import type { CheckResult } from "../run-result.ts";
import { base, errored, toTarget } from "./check-builder.ts";
import { identityOf } from "./check-catalog.ts";

/**
 * Loki's retention from its running config (`GET /config`: `limits_config.retention_period`,
 * effective only with the compactor's `retention_enabled`), compared with the contract's 30 d.
 */
export async function lokiRetentionCheck({
  fetchConfig,
  contract,
  clock = systemClock,
}: {
  fetchConfig: () => Promise<string>;
  contract: Contract;
  clock?: Clock;
}): Promise<CheckResult> {
  const identity = identityOf("config.loki.retention", clock.nowMs());
  const target = contract.targets["retention.loki"];
  try {
    const config = parse(await fetchConfig()) as { limits_config?: { retention_period?: string }; compactor?: { retention_enabled?: boolean } };
    const period = config.limits_config?.retention_period ?? "0s";
    const enabled = config.compactor?.retention_enabled === true;
    const ms = parseDurationMs(period) ?? Number.NaN;
    const ok = enabled && ms === target.value;
    const problems = [
      ...(enabled ? [] : ["compactor.retention_enabled is not true, so no retention is applied"]),
      ...(ms === target.value ? [] : [`retention_period ${period}, the contract asks ${formatDurationExact(target.value)}`]),
    ];
    return {
      ...base(identity, clock.nowMs()),
      status: ok ? "pass" : "fail",
      ...(ok ? {} : { reason: problems.join("; ") }),
      target: toTarget(target),
      measured: { value: period, unit: "duration", note: `compactor.retention_enabled: ${enabled}` },
      evidence: [{ kind: "query", text: `GET /config: limits_config.retention_period=${period} compactor.retention_enabled=${enabled}` }],
    };
  } catch (error) {
    return errored(identity, error, clock.nowMs(), target);
  }
}
