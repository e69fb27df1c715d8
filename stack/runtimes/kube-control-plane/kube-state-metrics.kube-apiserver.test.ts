import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../../components/index.ts";
import { extractComponents } from "../../manifest/component-spec.ts";
import { loadManifests } from "../../manifest/load-manifests.ts";
import { applyObjects } from "../kube-api/apply.ts";
import type { KubeObject } from "../kube-api/kube-object.ts";
import { renderForTarget } from "../kube/render.ts";
import { killGroup, registerChild } from "../local/child-registry.ts";
import { freePort } from "../local/free-port.ts";
import { findCachedBinary, findControlPlane } from "./control-plane-binaries.ts";
import { startKubeControlPlane, type StartedKubeControlPlane } from "./start-kube-control-plane.ts";

/**
 * kube-state-metrics at the manifests' pinned version, against the real kube-apiserver, with the
 * manifests' own ServiceAccount, ClusterRole and args (ports asked of the OS): it serves kube_*
 * series for the node and pods kwok plays, and lists every resource its ClusterRole lets it see
 * without a permission error. The binary comes from the components cache
 * (`kube-state-metrics/<version>/kube-state-metrics`, provisioned by `obsconf setup components`).
 */
const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const set = await loadManifests(MANIFESTS);
const spec = extractComponents(set, COMPONENT_NAMES).find((s) => s.name === "kube-state-metrics")!;
const cached = findCachedBinary("kube-state-metrics", spec.image.tag);
const ksmBinary = cached.path;
const plane = findControlPlane();
const ksmReason = cached.found
  ? undefined
  : `no kube-state-metrics ${spec.image.tag} at ${ksmBinary} (obsconf setup components --only kube-state-metrics builds it)`;
const skip = !plane.available ? plane.reason : ksmReason;
if (skip) console.warn(`skipping the kube-state-metrics test: ${skip}`);

describe.skipIf(skip !== undefined)("kube-state-metrics against a real kube-apiserver", () => {
  let cp: StartedKubeControlPlane;
  beforeAll(async () => {
    if (!plane.available) return;
    cp = await startKubeControlPlane({ binaries: plane.binaries });
  }, 180_000);
  afterAll(async () => {
    await cp?.stop();
  });

  it("should serve kube_* series of the cluster with the manifests' RBAC, and list every resource without a permission error", {
    timeout: 180_000,
  }, async () => {
    const admin = cp.adminKubeConfig();
    const rendered = renderForTarget(set, { kind: "k3s" }).map((o) => o.object as KubeObject);
    const mine = rendered.filter(
      (o) =>
        o.kind === "Namespace" || (o.metadata.labels?.["app.kubernetes.io/name"] === "kube-state-metrics" && o.kind !== "Deployment" && o.kind !== "Service"),
    );
    await applyObjects(admin, mine, { fieldManager: "obsconf-test-admin" });
    const ksm = await cp.serviceAccountKubeConfig(spec.workload.namespace, "kube-state-metrics");
    const kubeconfig = await cp.writeKubeConfig(ksm, path.join(cp.dir, "kube-state-metrics.kubeconfig"));
    const [port, telemetryPort] = [await freePort(), await freePort()];
    const args = spec.container.args.map((a) =>
      a.replace(/^--port=\d+$/, `--port=${port}`).replace(/^--telemetry-port=\d+$/, `--telemetry-port=${telemetryPort}`),
    );
    const child = spawn(ksmBinary, [...args, `--kubeconfig=${kubeconfig}`, "--host=127.0.0.1", "--telemetry-host=127.0.0.1"], {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    registerChild(child);
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      // kube-root-ca.crt is published by the controller manager some time after each namespace appears,
      // and kube-state-metrics' informers add it when it does: wait for every series asserted below.
      const wanted = [
        /^kube_node_info\{[^}]*node="kwok-node-0"[^}]*\} 1$/m,
        /^kube_namespace_status_phase\{namespace="monitoring",phase="Active"\} 1$/m,
        /^kube_configmap_info\{[^}]*configmap="kube-root-ca.crt"[^}]*\} 1$/m,
      ];
      let lastText = "";
      const complete = (text: string) => {
        lastText = text;
        return wanted.every((re) => re.test(text));
      };
      // On timeout with answers, the assertions below show what was missing; with none, poll's error says why.
      const metrics = await poll(`http://127.0.0.1:${port}/metrics`, complete, 60_000, () => stderr).catch((error: unknown) => {
        if (lastText === "") throw error;
        return lastText;
      });
      for (const re of wanted) expect(metrics).toMatch(re);
      const telemetry = await poll(
        `http://127.0.0.1:${telemetryPort}/metrics`,
        (text) => text.includes("kube_state_metrics_list_total"),
        30_000,
        () => stderr,
      );
      const errors = telemetry.split("\n").filter((l) => l.startsWith("kube_state_metrics_list_total{") && l.includes('result="error"') && !l.endsWith(" 0"));
      expect({
        errors,
        forbidden: stderr
          .split("\n")
          .filter((l) => /forbidden/i.test(l))
          .slice(0, 3),
      }).toEqual({ errors: [], forbidden: [] });
    } finally {
      killGroup(child, "SIGTERM");
      await exited;
    }
  });
});

async function poll(url: string, done: (text: string) => boolean, timeoutMs: number, log: () => string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      if (res.ok && done(text)) return text;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} not ready after ${timeoutMs}ms (last: ${last}); kube-state-metrics stderr ends: ${log().split("\n").slice(-5).join(" | ")}`);
}
