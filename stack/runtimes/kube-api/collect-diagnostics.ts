import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CoreV1Api, KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { describeObject, runLabelSelector } from "./kube-object.ts";
import { listWorkloadPods, recentEvents, reportPod, type PodReport } from "./pod-diagnosis.ts";
import { podSelector, readiness, WORKLOAD_KINDS, type WorkloadObject } from "./workload-status.ts";

export interface DiagnosticsOptions {
  namespace: string;
  runId: string;
  /** Created if missing; one `<kind>-<name>.txt` per workload that is not ready. */
  dir: string;
  logTailLines?: number;
  eventCount?: number;
}

/**
 * Writes a describe-like summary of every workload of the run that is not ready — status,
 * conditions, each pod's container states, events and log tail — into `dir`, one file per
 * workload (`statefulset-prometheus.txt`). Returns the paths written, in kind order.
 */
export async function collectDiagnostics(kc: KubeConfig, options: DiagnosticsOptions): Promise<string[]> {
  const { namespace, runId, dir, logTailLines = 100, eventCount = 20 } = options;
  const api = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const kind of WORKLOAD_KINDS) {
    const list = await api.list<WorkloadObject>("apps/v1", kind, namespace, undefined, undefined, undefined, undefined, runLabelSelector(runId));
    for (const item of list.items) {
      const workload: WorkloadObject = { ...item, apiVersion: "apps/v1", kind };
      if (readiness(workload).ready) continue;
      const pods = await listWorkloadPods(core, workload);
      const reports = await Promise.all(pods.map((pod) => reportPod(core, pod, { logTailLines, eventCount })));
      const events = await recentEvents(core, namespace, workload.metadata?.name ?? "", eventCount);
      const file = join(dir, `${kind.toLowerCase()}-${workload.metadata?.name}.txt`);
      await writeFile(file, describeWorkload(workload, events, reports));
      files.push(file);
    }
  }
  return files;
}

function describeWorkload(workload: WorkloadObject, events: string[], reports: PodReport[]): string {
  const lines = [
    describeObject(workload),
    `status: ${readiness(workload).summary}`,
    `selector: ${podSelector(workload)}`,
    ...(workload.status?.conditions ?? []).map(
      (c) => `condition: ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}${c.message ? ` ${JSON.stringify(c.message)}` : ""}`,
    ),
    "events:",
    ...indent(events),
    `pods: ${reports.length === 0 ? "none" : reports.length}`,
  ];
  for (const report of reports) {
    lines.push(
      "",
      `pod ${report.pod}: ${report.problem}`,
      "events:",
      ...indent(report.events),
      `logs${report.container ? ` (container ${report.container})` : ""}:`,
      ...indent(report.logError ? [`unavailable (${report.logError})`] : report.logLines),
    );
  }
  return `${lines.join("\n")}\n`;
}

function indent(lines: readonly string[]): string[] {
  return lines.length === 0 ? ["  none"] : lines.map((line) => `  ${line}`);
}
