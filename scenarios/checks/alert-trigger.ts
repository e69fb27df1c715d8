import { systemClock, type Clock } from "../../common/clock.ts";
import { compileSeries, encodeWriteRequestSnappy, type SeriesTemplate } from "../../stack/clients/remote-write-encoding.ts";
import type { SendResult, Transport } from "../../load/transport/transport.ts";

/**
 * The synthetic trigger of the alert rules a conformance run exercises, written through remote
 * write so its true time is known:
 * - HighErrorRate (seed): `http_requests_total{status="500"}` rising. The rule reads a range window
 *   (`[5m]`), so the first sample is back-dated: exactly two samples stay inside the window for
 *   `holdMs`, which makes the condition true from the acknowledgement until `falseAtMs`, then false.
 * - TargetDown (stack health): `up == 0` for a target of the trigger's own, set back to 1 at the end.
 * Every series carries `obsconf_run` and a service/instance unique to the run, so the alerts group
 * apart from anything the real stack fires at the same time.
 */
export interface AlertTriggerOptions {
  transport: Transport;
  runId: string;
  /** HighErrorRate's range window (read from the running rule's query). */
  windowMs: number;
  /** How long the conditions must stay true (covers `for`, evaluation and group_wait). */
  holdMs: number;
  /** Spacing of the extra samples when `holdMs` is longer than one window allows. */
  stepMs?: number;
  clock?: Clock;
  /** Ends the hold at once (a component the trigger goes through died). */
  signal?: AbortSignal;
}

export interface AlertTrigger {
  /** The series written, in PromQL notation, for the report. */
  series: string[];
  /** The token every trigger series carries (service / instance label value). */
  token: string;
  /** Acknowledged time of the first write: from here both conditions are true. */
  trueAtMs: number;
  /** From here both conditions are false (window passed for HighErrorRate, `up` back to 1). */
  falseAtMs: number;
  writes: number;
}

export class TriggerRejectedError extends Error {
  constructor(readonly result: SendResult) {
    super(
      `the alert trigger's remote write was not acknowledged (${result.kind === "rejected" ? `HTTP ${result.status}: ${result.body}` : result.kind === "retryable" ? result.reason : "ok"})`,
    );
  }
}

export function triggerSeries(runId: string) {
  const token = `obsconf-trigger-${runId}`;
  const common = { job: "obsconf-alert-trigger", namespace: "ecomm-prod", service: token, obsconf_run: runId };
  return {
    token,
    errors: { __name__: "http_requests_total", ...common, status: "500" },
    ok: { __name__: "http_requests_total", ...common, status: "200" },
    up: { __name__: "up", ...common, instance: token },
  };
}

export async function triggerAlerts({
  transport,
  runId,
  windowMs,
  holdMs,
  stepMs = 10_000,
  clock = systemClock,
  signal,
}: AlertTriggerOptions): Promise<AlertTrigger> {
  const labels = triggerSeries(runId);
  const counters = [compileSeries(labels.errors), compileSeries(labels.ok)];
  const up = compileSeries(labels.up);
  const send = async (series: SeriesTemplate[], values: number[], timestampsMs: number[], samplesPerSeries: number) => {
    const result = await transport.send(encodeWriteRequestSnappy({ series, values, timestampsMs, samplesPerSeries }), 10_000);
    if (result.kind !== "ok") throw new TriggerRejectedError(result);
  };
  const margin = 15_000;
  const startMs = Math.round(clock.nowMs());
  const timestamps = [startMs - windowMs + Math.min(holdMs, windowMs - margin), startMs];
  await send(counters, [0, 600, 0, 6000], [...timestamps, ...timestamps], 2);
  await send([up], [0], [startMs], 1);
  const trueAtMs = clock.nowMs();
  let writes = 2;
  // Longer holds than one window allows: keep adding samples so two stay in the window.
  while (timestamps[timestamps.length - 2]! + windowMs < startMs + holdMs) {
    await clock.sleep(stepMs, signal);
    const n = timestamps.push(Math.round(clock.nowMs()));
    await send(counters, [600 * (n - 1), 6000 * (n - 1)], [timestamps[n - 1]!, timestamps[n - 1]!], 1);
    writes += 1;
  }
  const errorRateFalseAtMs = timestamps[timestamps.length - 2]! + windowMs;
  const waitMs = startMs + holdMs - clock.nowMs();
  if (waitMs > 0) await clock.sleep(waitMs, signal);
  await send([up], [1], [Math.max(Math.round(clock.nowMs()), startMs + 1)], 1);
  writes += 1;
  const upFalseAtMs = clock.nowMs();
  const describe = (l: Record<string, string>) =>
    `${l.__name__}{${Object.entries(l)
      .filter(([k]) => k !== "__name__")
      .map(([k, v]) => `${k}="${v}"`)
      .join(",")}}`;
  return {
    series: [labels.errors, labels.ok, labels.up].map(describe),
    token: labels.token,
    trueAtMs,
    falseAtMs: Math.max(errorRateFalseAtMs, upFalseAtMs),
    writes,
  };
}
