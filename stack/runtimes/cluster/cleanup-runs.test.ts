import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { applyObjects } from "../kube-api/apply.ts";
import { startKubeApiDouble } from "../kube-api/kube-api-double.ts";
import { labelledObject, runLabels } from "../kube-api/test-objects.ts";
import { cleanupClusterRuns } from "./cleanup-runs.ts";

/** The pid of a process that has exited (spawned and awaited here). */
const deadPid = spawnSync(process.execPath, ["-e", "0"]).pid!;

function run(runId: string, runner: string | undefined) {
  const namespace = labelledObject("v1", "Namespace", `obsconf-${runId}`, undefined, runLabels(runId));
  if (runner) namespace.metadata.annotations = { "obsconf.dev/runner": runner };
  return [namespace, labelledObject("v1", "ConfigMap", "prometheus-config", `obsconf-${runId}`, runLabels(runId))];
}

async function started() {
  const api = await startKubeApiDouble();
  await applyObjects(
    api.kubeConfig(),
    [...run("killed", `${hostname()}/${deadPid}`), ...run("live", `${hostname()}/${process.pid}`), ...run("elsewhere", "ci-runner-7/4242")],
    { fieldManager: "obsconf" },
  );
  api.seed(labelledObject("v1", "Namespace", "team-a", undefined, {}), labelledObject("v1", "ConfigMap", "x", "team-a", {}));
  api.clearRequests();
  return api;
}

describe("cleanupClusterRuns", () => {
  it("should remove the run whose process is gone and keep the live one and one from another host, saying why", async () => {
    await using api = await started();
    const lines = await cleanupClusterRuns(api.kubeConfig());
    expect(lines).toEqual([
      {
        runtime: "cluster",
        run: "elsewhere",
        what: "namespace obsconf-elsewhere",
        action: "kept",
        detail: "started on another host (ci-runner-7/4242); pass --run-id elsewhere or --force to remove it",
      },
      {
        runtime: "cluster",
        run: "killed",
        what: "namespace obsconf-killed",
        action: "removed",
        detail: "2 objects (no cluster-scoped ones and the namespace's)",
      },
      {
        runtime: "cluster",
        run: "live",
        what: "namespace obsconf-live",
        action: "kept",
        detail: `its obsconf process ${hostname()}/${process.pid} is still running (stop it, or pass --force)`,
      },
    ]);
    expect(api.objects()).toEqual([
      "ConfigMap obsconf-elsewhere/prometheus-config",
      "ConfigMap obsconf-live/prometheus-config",
      "ConfigMap team-a/x",
      "Namespace obsconf-elsewhere",
      "Namespace obsconf-live",
      "Namespace team-a",
    ]);
  });

  it("should count a run whose namespace stays Terminating (a finalizer) as removed, saying the cluster finishes it, and again on a second cleanup", async () => {
    await using api = await started();
    api.holdNamespace("obsconf-killed");
    const [line] = (await cleanupClusterRuns(api.kubeConfig())).filter((l) => l.run === "killed");
    expect(line).toEqual({
      runtime: "cluster",
      run: "killed",
      what: "namespace obsconf-killed",
      action: "removed",
      detail:
        "2 objects (no cluster-scoped ones and the namespace's); the namespace is Terminating: the cluster removes what is left in it, then the namespace",
    });
    expect((await cleanupClusterRuns(api.kubeConfig(), { runId: "killed" })).map((l) => `${l.action}: ${l.detail}`)).toEqual([
      "removed: 1 objects (no cluster-scoped ones and the namespace's); the namespace is Terminating: the cluster removes what is left in it, then the namespace",
    ]);
    api.releaseNamespace("obsconf-killed");
    expect(api.objects().some((o) => o.includes("obsconf-killed"))).toBe(false);
  });

  it("should remove a run named by --run-id from another host, and delete nothing on a dry run", async () => {
    await using api = await started();
    expect((await cleanupClusterRuns(api.kubeConfig(), { dryRun: true })).map((l) => `${l.run} ${l.action}`)).toEqual([
      "elsewhere kept",
      "killed would remove",
      "live kept",
    ]);
    expect(api.requests.filter((r) => r.method === "DELETE")).toEqual([]);
    expect((await cleanupClusterRuns(api.kubeConfig(), { runId: "elsewhere" })).map((l) => `${l.run} ${l.action}`)).toEqual(["elsewhere removed"]);
    expect(api.objects().some((o) => o.includes("elsewhere"))).toBe(false);
  });
});
