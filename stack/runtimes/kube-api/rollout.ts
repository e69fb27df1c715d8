import { CoreV1Api, KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { systemClock, type Clock } from "../../../common/clock.ts";
import { TimeoutError } from "../../../common/errors.ts";
import { pollUntil } from "../../../common/poll-until.ts";
import { apiErrorDetail } from "./api-error.ts";
import { describeObject, headerOf, type KubeObject } from "./kube-object.ts";
import { formatPodReport, listWorkloadPods, pickFailingPod, recentEvents, reportPod } from "./pod-diagnosis.ts";
import { isWorkload, podSelector, readiness, type Readiness, type WorkloadObject } from "./workload-status.ts";

export interface RolloutOptions {
  timeoutMs: number;
  intervalMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
  /** Log lines of the failing container quoted in the timeout error. */
  logTailLines?: number;
  /** Events of the failing pod quoted in the timeout error. */
  eventCount?: number;
}

interface Observed extends Readiness {
  object?: WorkloadObject;
}

/**
 * Polls every Deployment, StatefulSet and DaemonSet in `objects` until each is ready (see
 * `readiness`), all against one deadline; a workload once ready is not read again. On timeout the
 * error names the first workload still not ready, its failing pod and container state, the pod's
 * last events and last log lines, and lists any other workload still not ready:
 * `StatefulSet ns/prometheus not ready after 120000ms (last: 0/1 ready; pod prometheus-0: ...)`.
 */
export async function waitForRollouts(kc: KubeConfig, objects: readonly KubeObject[], options: RolloutOptions): Promise<void> {
  const workloads = objects.filter(isWorkload);
  if (workloads.length === 0) return;
  const { timeoutMs, intervalMs = 1000, clock = systemClock, signal } = options;
  const api = KubernetesObjectApi.makeApiClient(kc);
  const observed = new Map<KubeObject, Observed>();
  const pending = () => workloads.filter((w) => !observed.get(w)?.ready);
  const probe = async () => {
    for (const workload of pending()) {
      try {
        const object = await api.read<WorkloadObject>(headerOf(workload));
        observed.set(workload, { ...readiness(object), object });
      } catch (error) {
        observed.set(workload, { ready: false, summary: `read failed: ${apiErrorDetail(error)}` });
      }
    }
    return pending().length;
  };
  try {
    await pollUntil(`rollout of ${workloads.length} workloads`, probe, (notReady) => notReady === 0, { timeoutMs, intervalMs, clock, signal });
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    const [first, ...others] = pending();
    const parts = [observed.get(first!)?.summary ?? "not read yet"];
    const object = observed.get(first!)?.object;
    if (object) parts.push(await diagnose(kc, object, options));
    if (others.length) parts.push(`also not ready: ${others.map((o) => `${describeObject(o)} (${observed.get(o)?.summary})`).join(", ")}`);
    throw new TimeoutError(`${describeObject(first!)} not ready`, timeoutMs, parts.join("; "), { cause: error });
  }
}

/** The failing pod's state, events and log tail; when no pod exists, the workload's own events. */
async function diagnose(kc: KubeConfig, workload: WorkloadObject, { logTailLines = 5, eventCount = 3 }: RolloutOptions): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const pod = pickFailingPod(await listWorkloadPods(core, workload));
    if (pod) return formatPodReport(await reportPod(core, pod, { logTailLines, eventCount }));
    const events = await recentEvents(core, workload.metadata?.namespace ?? "default", workload.metadata?.name ?? "", eventCount);
    return `no pods match ${podSelector(workload)}; events: ${events.length ? events.join(", ") : "none"}`;
  } catch (error) {
    return `pods unavailable (${apiErrorDetail(error)})`;
  }
}
