import { join } from "node:path";

/** The node's pod log directory below a root standing in for `/` (what the log agents read). */
export function podLogDir(rootDir: string): string {
  return join(rootDir, "var", "log", "pods");
}

/**
 * Where kubelet and the container runtime keep a container's log file on the node:
 * `<root>/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restartCount>.log`. It matches Promtail's
 * `__path__` (`/var/log/pods/*<uid>/<container>/*.log`) and Vector's kubernetes_logs source. The local
 * runtime creates it when a harness pod starts; the pod log file transport (load/) appends to it.
 */
export function podLogFile(rootDir: string, pod: { namespace: string; name: string; uid: string; container: string }, restartCount = 0): string {
  return join(podLogDir(rootDir), `${pod.namespace}_${pod.name}_${pod.uid}`, pod.container, `${restartCount}.log`);
}
