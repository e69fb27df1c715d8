import type { DoubleObject } from "./kube-api-double-store.ts";

/**
 * Test support for the Kubernetes API double: scripted rollout state of Deployments, StatefulSets
 * and DaemonSets (status, the pods behind them, their events and logs), as the controllers and
 * kubelet would report it.
 */
export type RolloutScript =
  /** Ready on the Nth read of the workload (1 = ready at once, the default). */
  | { readyAfterPolls: number }
  /** Never ready: one pod stays stuck with a waiting container. */
  | { stuck: StuckPod };

export interface StuckPod {
  pod: string;
  container: string;
  /** The container's waiting reason, e.g. `CrashLoopBackOff` or `ImagePullBackOff`. */
  reason: string;
  message: string;
  restartCount?: number;
  events?: ScriptedEvent[];
  logLines?: string[];
}

export interface ScriptedEvent {
  reason: string;
  message: string;
  type?: "Normal" | "Warning";
  count?: number;
}

/** Fixed event timestamps so tests can assert exact text: the Nth event is N seconds after this. */
const EVENT_EPOCH_MS = Date.parse("2025-01-01T00:00:00Z");

export function isWorkloadKind(kind: string | undefined): boolean {
  return kind === "Deployment" || kind === "StatefulSet" || kind === "DaemonSet";
}

/**
 * The status a controller would report on the `poll`-th read (1-based). Like the API server, zero
 * counts are omitted. Before a multi-poll rollout is ready, the first read has not observed the
 * newest generation yet.
 */
export function scriptedStatus(object: DoubleObject, script: RolloutScript, poll: number): Record<string, unknown> {
  const generation = Number(object.metadata.generation ?? 1);
  const ready = "readyAfterPolls" in script && poll >= script.readyAfterPolls;
  const observedGeneration = !ready && poll === 1 && "readyAfterPolls" in script ? generation - 1 : generation;
  const spec = (object.spec ?? {}) as { replicas?: number };
  const desired = object.kind === "DaemonSet" ? 1 : (spec.replicas ?? 1);
  const readyCount = ready ? desired : 0;
  const status: Record<string, number> =
    object.kind === "DaemonSet"
      ? {
          observedGeneration,
          desiredNumberScheduled: desired,
          currentNumberScheduled: desired,
          updatedNumberScheduled: desired,
          numberReady: readyCount,
          numberAvailable: readyCount,
          numberUnavailable: desired - readyCount,
        }
      : {
          observedGeneration,
          replicas: desired,
          updatedReplicas: desired,
          readyReplicas: readyCount,
          availableReplicas: readyCount,
          ...(object.kind === "Deployment" ? { unavailableReplicas: desired - readyCount } : { currentReplicas: desired }),
        };
  return Object.fromEntries(Object.entries(status).filter(([key, value]) => value !== 0 || key === "observedGeneration"));
}

/** The Pod a stuck script stands for, labelled like the workload's pod template. */
export function stuckPodObject(workload: DoubleObject, stuck: StuckPod): DoubleObject {
  const template = (workload.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
  const pulling = stuck.reason === "ImagePullBackOff" || stuck.reason === "ErrImagePull";
  const restartCount = stuck.restartCount ?? (pulling ? 0 : 5);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: stuck.pod,
      namespace: workload.metadata.namespace,
      labels: { ...template?.metadata?.labels },
      ownerReferences: [{ apiVersion: workload.apiVersion, kind: workload.kind, name: workload.metadata.name, uid: "double" }],
    },
    spec: { containers: [{ name: stuck.container, image: "scripted" }] },
    status: {
      phase: pulling ? "Pending" : "Running",
      conditions: [
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: "False", reason: "ContainersNotReady", message: `containers with unready status: [${stuck.container}]` },
      ],
      containerStatuses: [
        {
          name: stuck.container,
          image: "scripted",
          imageID: "",
          ready: false,
          started: false,
          restartCount,
          state: { waiting: { reason: stuck.reason, message: stuck.message } },
          ...(restartCount > 0 ? { lastState: { terminated: { exitCode: 1, reason: "Error" } } } : {}),
        },
      ],
    },
  };
}

/** Core v1 Events about the stuck pod, in the order scripted, one second apart. */
export function stuckPodEvents(namespace: string, stuck: StuckPod): DoubleObject[] {
  return (stuck.events ?? []).map((event, index) => {
    const at = new Date(EVENT_EPOCH_MS + (index + 1) * 1000).toISOString().replace(".000Z", "Z");
    return {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${stuck.pod}.${index + 1}`, namespace },
      involvedObject: { apiVersion: "v1", kind: "Pod", name: stuck.pod, namespace },
      reason: event.reason,
      message: event.message,
      type: event.type ?? "Warning",
      count: event.count ?? 1,
      firstTimestamp: at,
      lastTimestamp: at,
    };
  });
}
