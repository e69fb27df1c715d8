import type { AlertDelivery } from "../alert-delivery.ts";
import { describeNotification, type Notification } from "../alert-sink/notification.ts";
import type { ContractTarget } from "../contract.ts";
import type { CheckResult, Evidence } from "../run-result.ts";
import { base, meets, toTarget, type CheckIdentity } from "./check-builder.ts";

export interface AlertDeliveryCheckInput {
  identity: CheckIdentity;
  endedAtMs: number;
  target: ContractTarget;
  delivery: AlertDelivery;
  /** What the trigger did, e.g. the series written and when the condition became true and false. */
  trigger: readonly string[];
  /** Set when the rule's `for` was shortened for this profile: the report must say so. */
  shortenedFor?: { fromMs: number; toMs: number; profile: string };
  notifications: readonly Notification[];
  expected: string;
}

/**
 * Alert delivery: the notification reached the expected receiver (and no forbidden one) within the
 * target after condition-true + `for`, exactly once per group, and resolved after the trigger stopped.
 */
export function alertDeliveryCheck(input: AlertDeliveryCheckInput): CheckResult {
  const { delivery: d, target } = input;
  const problems: string[] = [];
  if (d.deliveredAtMs === undefined) problems.push(`no firing notification of ${d.alertName} reached ${input.expected} within the window`);
  if (d.deliveryLatencyMs !== undefined && !meets(d.deliveryLatencyMs, target))
    problems.push(`delivered ${Math.round(d.deliveryLatencyMs)}ms after condition-true + for, target ${target.comparator} ${target.value}ms`);
  if (d.wrongReceivers.length) problems.push(`reached the wrong receiver(s): ${d.wrongReceivers.join(", ")}`);
  if (d.duplicates > 0)
    problems.push(
      `${d.duplicates} duplicate notification(s): ${Object.entries(d.duplicateKeys)
        .map(([k, n]) => `${k} x${n}`)
        .join(", ")}`,
    );
  if (d.resolveMissing) problems.push("no resolve notification after the condition became false");
  const ok = problems.length === 0;
  const mine = input.notifications.filter((n) => n.alertNames.includes(d.alertName));
  const evidence: Evidence[] = [
    ...input.trigger.map((text): Evidence => ({ kind: "note", text })),
    ...(input.shortenedFor
      ? [
          {
            kind: "note" as const,
            text: `profile ${input.shortenedFor.profile}: the rule's for was shortened from ${input.shortenedFor.fromMs / 1000}s to ${input.shortenedFor.toMs / 1000}s in a copy of the rule file (the manifest is unchanged)`,
          },
        ]
      : []),
    {
      kind: "note",
      text: `delivery = receipt - (condition true + for ${d.pipelineMs.forMs}ms); includes up to one evaluation interval (${d.pipelineMs.evaluationIntervalMs}ms) and Alertmanager's group_wait`,
    },
    ...mine.map((n): Evidence => ({ kind: "notification", atMs: n.receivedAtMs, text: describeNotification(n) })),
    ...problems.map((text): Evidence => ({ kind: "note", text })),
  ];
  return {
    ...base(input.identity, input.endedAtMs),
    status: ok ? "pass" : "fail",
    ...(ok ? {} : { reason: problems.join("; ") }),
    target: toTarget(target),
    measured: {
      ...(d.deliveryLatencyMs !== undefined ? { value: Math.round(d.deliveryLatencyMs) } : {}),
      unit: "ms",
      note: `condition true -> received: ${d.pipelineMs.totalMs === undefined ? "never" : `${Math.round(d.pipelineMs.totalMs)}ms`} (for ${d.pipelineMs.forMs}ms + delivery ${d.deliveryLatencyMs === undefined ? "-" : `${Math.round(d.deliveryLatencyMs)}ms`}); resolve ${d.resolvedAtMs === undefined ? "not received" : "received"}`,
    },
    evidence,
  };
}
