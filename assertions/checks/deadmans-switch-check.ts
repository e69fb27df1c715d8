import type { AlertUnderTest } from "../alert-delivery-plan.ts";
import { describeNotification, type Notification } from "../alert-sink/notification.ts";
import type { ContractTarget } from "../contract.ts";
import type { CheckResult, Evidence } from "../run-result.ts";
import { base, toTarget, type CheckIdentity } from "./check-builder.ts";

export interface DeadmansSwitchInput {
  identity: CheckIdentity;
  target: ContractTarget;
  /** The always-firing alert (Watchdog) as the manifests route it; absent when no manifest rule has that name. */
  watchdog: AlertUnderTest | undefined;
  /** Its name, for the report when the manifests lack it. */
  alertName: string;
  /** Why it cannot fire, e.g. the running Prometheus has no such rule. */
  notLoaded?: string;
  /** When the running Prometheus made it active (`/api/v1/alerts` activeAt). */
  activeAtMs?: number;
  /** Receivers the contract's routes page or chat through (a heartbeat must never land there). */
  contractReceivers: readonly string[];
  /** Every notification of the run. */
  notifications: readonly Notification[];
  endedAtMs: number;
}

/**
 * The dead man's switch: the always-firing Watchdog reaches exactly the receivers the manifest's route
 * tree gives it (and they are not receivers of the contract's paging and chat routes, where a heartbeat
 * would alarm forever), first within the delivery target after Prometheus made it active, and keeps
 * arriving (no gap longer than repeat_interval + group_interval + the target).
 */
export function deadmansSwitchCheck(input: DeadmansSwitchInput): CheckResult {
  const { watchdog, target } = input;
  const done = (problems: string[], evidence: Evidence[], measured?: CheckResult["measured"]): CheckResult => ({
    ...base(input.identity, input.endedAtMs),
    status: problems.length ? "fail" : "pass",
    ...(problems.length ? { reason: problems.join("; ") } : {}),
    target: toTarget(target),
    ...(measured ? { measured } : {}),
    evidence: [...evidence, ...problems.map((text): Evidence => ({ kind: "note", text }))],
  });
  if (!watchdog) return done([`the manifests have no alerting rule ${input.alertName}: nothing feeds the dead man's switch`], []);
  const evidence: Evidence[] = [
    {
      kind: "note",
      text: `${watchdog.alert} {${Object.entries(watchdog.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(
          ", ",
        )}}: the manifest's route tree gives it exactly ${watchdog.expected.map((e) => `${e.receiver}/${e.channel} (${e.route.path}, repeat_interval ${e.route.repeatIntervalMs / 1000}s)`).join(", ") || "no receiver the sinks speak"}`,
    },
  ];
  const problems: string[] = [];
  if (watchdog.expected.length === 0)
    problems.push(
      `the route tree gives ${watchdog.alert} no receiver the sinks can observe${watchdog.unobservable.length ? ` (${watchdog.unobservable.join(", ")})` : ""}`,
    );
  const alarming = watchdog.expected.filter((e) => input.contractReceivers.includes(e.receiver)).map((e) => e.receiver);
  if (alarming.length)
    problems.push(
      `the route tree sends ${watchdog.alert} to ${[...new Set(alarming)].join(", ")}, a receiver of the contract's alert routes: the heartbeat would alarm there forever`,
    );
  if (input.notLoaded !== undefined) return done([input.notLoaded, ...problems], evidence);
  const all = input.notifications.filter((n) => n.alertNames.includes(watchdog.alert) && n.status === "firing");
  const expected = (n: Notification) => watchdog.expected.some((e) => e.receiver === n.receiver && e.channel === n.channel);
  const wrong = all.filter((n) => !expected(n));
  for (const n of wrong) evidence.push({ kind: "notification", atMs: n.receivedAtMs, text: `NOT in the route tree's set: ${describeNotification(n)}` });
  if (wrong.length)
    problems.push(
      `${watchdog.alert} reached ${[...new Set(wrong.map((n) => `${n.receiver ?? "?"}/${n.channel}`))].join(", ")}, which the route tree does not give it (exactly ${watchdog.expected.map((e) => `${e.receiver}/${e.channel}`).join(", ")})`,
    );
  if (input.activeAtMs !== undefined)
    evidence.push({
      kind: "note",
      text: `Prometheus made ${watchdog.alert} active at ${new Date(input.activeAtMs).toISOString()} (/api/v1/alerts activeAt); latency = first receipt - activeAt`,
    });
  const latencies: number[] = [];
  for (const e of watchdog.expected) {
    const beats = all.filter((n) => n.receiver === e.receiver && n.channel === e.channel).sort((a, b) => a.receivedAtMs - b.receivedAtMs);
    const at = `${e.receiver}/${e.channel}`;
    if (beats.length === 0) {
      problems.push(`no ${watchdog.alert} reached ${at} during the run`);
      continue;
    }
    const periodMs = e.route.repeatIntervalMs + e.route.groupIntervalMs + target.value;
    const gaps = beats.slice(1).map((n, i) => n.receivedAtMs - beats[i]!.receivedAtMs);
    const sinceLastMs = input.endedAtMs - beats.at(-1)!.receivedAtMs;
    evidence.push({
      kind: "notification",
      atMs: beats[0]!.receivedAtMs,
      text: `${at}: ${beats.length} heartbeat(s), gaps ${gaps.map((g) => `${Math.round(g / 1000)}s`).join(", ") || "-"}, last ${Math.round(sinceLastMs / 1000)}s before the check ended (allowed ${periodMs / 1000}s: repeat_interval + group_interval + target)`,
    });
    const longest = Math.max(sinceLastMs, ...gaps);
    if (longest > periodMs)
      problems.push(
        `the heartbeat on ${at} stopped for ${Math.round(longest / 1000)}s, more than repeat_interval + group_interval + target (${periodMs / 1000}s)`,
      );
    if (input.activeAtMs !== undefined) {
      const latencyMs = beats[0]!.receivedAtMs - input.activeAtMs;
      latencies.push(latencyMs);
      if (!(latencyMs < target.value))
        problems.push(`the first ${watchdog.alert} reached ${at} ${Math.round(latencyMs)}ms after Prometheus made it active, target < ${target.value}ms`);
    }
  }
  const worst = latencies.length ? Math.round(Math.max(...latencies)) : undefined;
  return done(problems, evidence, {
    ...(worst !== undefined ? { value: worst } : {}),
    unit: "ms",
    note: input.activeAtMs === undefined ? "activeAt unknown: latency not measured" : "first heartbeat receipt - activeAt (the rule has no for)",
  });
}
