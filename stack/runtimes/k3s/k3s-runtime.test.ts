import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../clients/prometheus-client.ts";
import { K3S_IMAGE } from "../kube/versions.ts";
import { DockerEngine } from "./docker-engine.ts";
import { offlineEngineRoutes, startFakeEngine } from "./fake-engine.ts";
import { K3sRuntime } from "./k3s-runtime.ts";
import { probeK3s } from "./probe-k3s.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const live = await probeK3s();
if (!live.usable) console.warn(`skipping the live k3s test: ${live.reason}`);

describe("K3sRuntime", () => {
  let runsDir: string;
  beforeEach(async () => {
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-k3s-test-"));
  });
  afterEach(async () => {
    await rm(runsDir, { recursive: true, force: true });
  });

  it("should refuse to start, creating nothing, when the k3s image is missing and cannot be pulled", async () => {
    await using fake = await startFakeEngine(offlineEngineRoutes());
    const engine = new DockerEngine({ kind: "unix", socketPath: fake.socketPath }, 1_000);
    await expect(K3sRuntime.start({ manifestsDir: MANIFESTS, runsDir, engine })).rejects.toThrow(
      new RegExp(
        `^k3s runtime cannot start: the container engine at unix://\\S+ answers \\(version 20\\.10\\.24\\+dfsg1\\) but the k3s image ${K3S_IMAGE.replace(/[.+]/g, "\\$&")} is not present and cannot be pulled: .*; obsconf plan --runtime k3s lists the images and how to preload them$`,
      ),
    );
    expect(fake.requests.filter((r) => !r.startsWith("GET"))).toEqual([]);
    expect(await readdir(runsDir)).toEqual([]);
  });

  it.skipIf(!live.usable)("should run the manifests in k3s and hand out endpoints like the local runtime", { timeout: 900_000 }, async () => {
    await using stack = await K3sRuntime.start({ manifestsDir: MANIFESTS, runsDir, readyTimeoutMs: 600_000 });
    const prometheus = stack.components().find((c) => c.plan.component === "prometheus")!;
    expect(prometheus.status.state).toBe("ready");
    const url = stack.endpoints().prometheus!.web!.url;
    await using client = new PrometheusClient({ baseUrl: url });
    expect((await client.config()).data).toContain("scrape_configs");
    expect(stack.rewrites().some((line) => line.startsWith("k3s: Service prometheus port web -> NodePort "))).toBe(true);
  });
});
