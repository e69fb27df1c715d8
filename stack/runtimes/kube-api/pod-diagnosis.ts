import type { CoreV1Api, CoreV1Event, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { apiErrorDetail } from "./api-error.ts";
import { podSelector, type WorkloadObject } from "./workload-status.ts";

/** What is wrong with one pod, as `kubectl describe` and `kubectl logs` would show it. */
export interface PodReport {
  pod: string;
  /** `container prometheus waiting: CrashLoopBackOff "back-off 10s ..."`, or the failing pod condition. */
  problem: string;
  /** The container whose logs were read (the first one that is not ready). */
  container?: string;
  /** Newest last: `BackOff "Back-off restarting failed container" (x5)`. */
  events: string[];
  logLines: string[];
  /** Why the logs could not be read, when they could not. */
  logError?: string;
}

export interface PodReportOptions {
  logTailLines: number;
  eventCount: number;
}

/** The workload's pods (by its match labels), sorted by name. */
export async function listWorkloadPods(core: CoreV1Api, workload: WorkloadObject): Promise<V1Pod[]> {
  const namespace = workload.metadata?.namespace ?? "default";
  const list = await core.listNamespacedPod({ namespace, labelSelector: podSelector(workload) });
  return [...list.items].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
}

/** The first pod that is not Ready, else the first pod. */
export function pickFailingPod(pods: readonly V1Pod[]): V1Pod | undefined {
  return pods.find((pod) => !pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) ?? pods[0];
}

export async function reportPod(core: CoreV1Api, pod: V1Pod, { logTailLines, eventCount }: PodReportOptions): Promise<PodReport> {
  const name = pod.metadata?.name ?? "";
  const namespace = pod.metadata?.namespace ?? "default";
  const { problem, container = pod.spec?.containers?.[0]?.name } = describePodProblem(pod);
  const events = await recentEvents(core, namespace, name, eventCount);
  const report: PodReport = { pod: name, problem, container, events, logLines: [] };
  try {
    const log = await core.readNamespacedPodLog({ name, namespace, container, tailLines: logTailLines });
    report.logLines = log.split("\n").filter((line, index, all) => line !== "" || index < all.length - 1);
  } catch (error) {
    report.logError = apiErrorDetail(error);
  }
  return report;
}

/** The last `count` events about an object, oldest first, as `Reason "message" (xN)`. */
export async function recentEvents(core: CoreV1Api, namespace: string, name: string, count: number): Promise<string[]> {
  try {
    const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
    return [...list.items]
      .sort((a, b) => eventTimeMs(a) - eventTimeMs(b))
      .slice(-count)
      .map((e) => `${e.reason ?? "?"} ${JSON.stringify((e.message ?? "").trim())}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ""}`);
  } catch (error) {
    return [`unavailable (${apiErrorDetail(error)})`];
  }
}

/** `pod prometheus-0: <problem>; events: ...; last log lines: a | b`, for one-line error text. */
export function formatPodReport(report: PodReport): string {
  const logs = report.logError ? `unavailable (${report.logError})` : report.logLines.length ? report.logLines.join(" | ") : "none";
  return `pod ${report.pod}: ${report.problem}; events: ${report.events.length ? report.events.join(", ") : "none"}; last log lines: ${logs}`;
}

/** The first container that is not ready and why; else the first false pod condition; else the phase. */
export function describePodProblem(pod: V1Pod): { problem: string; container?: string } {
  const candidates = [
    ...(pod.status?.initContainerStatuses ?? []).map((status) => ({ status, label: "init container" })),
    ...(pod.status?.containerStatuses ?? []).map((status) => ({ status, label: "container" })),
  ];
  for (const { status, label } of candidates) {
    const state = describeContainerState(status);
    if (state !== undefined) return { problem: `${label} ${status.name} ${state}`, container: status.name };
  }
  const condition = pod.status?.conditions?.find((c) => c.status === "False");
  if (condition) {
    const message = condition.message ? ` ${JSON.stringify(condition.message)}` : "";
    return { problem: `condition ${condition.type}=False${condition.reason ? ` ${condition.reason}` : ""}${message}` };
  }
  return { problem: `phase ${pod.status?.phase ?? "unknown"}` };
}

/** Undefined when the container is fine (ready, or an init container that completed). */
export function describeContainerState(status: V1ContainerStatus): string | undefined {
  const { waiting, terminated, running } = status.state ?? {};
  const quoted = (message: string | undefined) => (message ? ` ${JSON.stringify(message.trim())}` : "");
  if (waiting) return `waiting: ${waiting.reason ?? "unknown reason"}${quoted(waiting.message)}`;
  if (terminated && terminated.exitCode !== 0) {
    return `terminated: ${terminated.reason ?? "unknown reason"} (exit code ${terminated.exitCode})${quoted(terminated.message)}`;
  }
  if (running && !status.ready) return "running, not ready";
  return undefined;
}

function eventTimeMs(event: CoreV1Event): number {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
  return at ? new Date(at).getTime() : 0;
}
