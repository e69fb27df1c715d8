import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../../../common/poll-until.ts";
import { LocalRuntime, type StartedLocalStack } from "./local-runtime.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const haveBinaries = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager", "/usr/bin/prometheus-node-exporter"].every((b) => existsSync(b));
if (!haveBinaries)
  console.warn(
    "skipping local runtime tests: Debian's prometheus, prometheus-alertmanager and prometheus-node-exporter are not installed (apt-get install them)",
  );

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveBinaries)("LocalRuntime (real Prometheus, Alertmanager, node-exporter)", () => {
  let runsDir: string;
  let stack: StartedLocalStack;

  beforeAll(async () => {
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-runtime-test-"));
    stack = await LocalRuntime.start({ manifestsDir: MANIFESTS, runsDir, only: ["prometheus", "alertmanager", "node-exporter"], readyTimeoutMs: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await rm(runsDir, { recursive: true, force: true });
  });

  it("should start the selected components as ready processes and list the rest with reasons", () => {
    const states = Object.fromEntries(stack.components().map((c) => [c.plan.component, c.status.state]));
    expect(states).toMatchObject({ prometheus: "ready", alertmanager: "ready", "node-exporter": "ready", "kube-state-metrics": "unavailable" });
    expect(stack.components()).toHaveLength(12);
  });

  it("should have Prometheus scrape node-exporter (up == 1) through the manifest's own Kubernetes SD relabelling", async () => {
    const prometheus = stack.endpoints().prometheus!.web!.url;
    const result = await pollUntil(
      'up{job="node-exporter"} == 1',
      async () =>
        (await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent('up{job="node-exporter"}')}`)).json()) as {
          data: { result: { value: [number, string] }[] };
        },
      (body) => body.data.result.some((r) => r.value[1] === "1"),
      { timeoutMs: 40_000, intervalMs: 500 },
    );
    expect(result.data.result[0]!.value[1]).toBe("1");
  }, 45_000);

  it("should list the local Alertmanager as an active alertmanager of Prometheus", async () => {
    const prometheus = stack.endpoints().prometheus!.web!.url;
    const alertmanager = stack.endpoints().alertmanager!.web!;
    const body = await pollUntil(
      "active alertmanager",
      async () => (await (await fetch(`${prometheus}/api/v1/alertmanagers`)).json()) as { data: { activeAlertmanagers: { url: string }[] } },
      (b) => b.data.activeAlertmanagers.length > 0,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(body.data.activeAlertmanagers.map((a) => a.url)).toEqual([`http://127.0.0.1:${alertmanager.port}/api/v2/alerts`]);
  }, 35_000);

  it("should print every loopback rewrite it made", () => {
    const rewrites = stack.rewrites().join("\n");
    expect(rewrites).toMatch(/prometheus: \/etc\/prometheus\/prometheus\.yml: alertmanager\.monitoring\.svc\.cluster\.local:9093 -> 127\.0\.0\.1:\d+/);
    expect(rewrites).toContain("prometheus: scrape job");
    expect(rewrites).toMatch(/prometheus: arg --web\.listen-address=:9090 -> --web\.listen-address=127\.0\.0\.1:\d+/);
  });

  it("should leave no process and no listening port after stop", async () => {
    const pids = stack.components().flatMap((c) => (c.status.state === "ready" && c.status.pid ? [c.status.pid] : []));
    const ports = Object.values(stack.endpoints()).flatMap((p) => Object.values(p).map((e) => e.port));
    expect(pids).toHaveLength(3);
    const stopped = await stack.stop();
    expect(Object.keys(stopped.exits).sort()).toEqual(["alertmanager", "node-exporter", "prometheus"]);
    expect(pids.filter(alive)).toEqual([]);
    expect((await Promise.all(ports.map(portOpen))).some(Boolean)).toBe(false);
  });
});

describe.skipIf(!haveBinaries)("LocalRuntime errors", () => {
  it("should mark a component whose config the binary rejects as error, with the binary's own text", async () => {
    const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-runtime-test-"));
    await using stack = await LocalRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir,
      only: ["prometheus"],
      readyTimeoutMs: 20_000,
      overrides: [
        {
          component: "prometheus",
          describe: "break the scrape interval",
          file: { path: "/etc/prometheus/prometheus.yml", transform: (t) => t.replace(/scrape_interval: 30s/, "scrape_interval: 30x") },
        },
      ],
    });
    const status = stack.components().find((c) => c.plan.component === "prometheus")!.status;
    expect(status.state).toBe("error");
    expect(status.state === "error" && status.error).toMatch(
      /^prometheus exited before it was ready \(exit code \d+\); its last output:\n[\s\S]*(unknown unit \\"x\\" in duration \\"30x\\"|not a valid duration string: \\"30x\\")/,
    ); // 3.5.0 (provisioned) or 2.42 (Debian)
    expect(stack.rewrites()).toContain("prometheus: override: break the scrape interval");
    await rm(runsDir, { recursive: true, force: true });
  });

  it("should report a --bin that is not executable as unavailable, naming the flag", async () => {
    const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-runtime-test-"));
    await using stack = await LocalRuntime.start({ manifestsDir: MANIFESTS, runsDir, only: [], bins: { prometheus: "/nonexistent/prometheus" } });
    const prometheus = stack.components().find((c) => c.plan.component === "prometheus")!;
    expect(prometheus.status).toEqual({ state: "unavailable", reason: "--bin prometheus=/nonexistent/prometheus is not an executable file" });
    await rm(runsDir, { recursive: true, force: true });
  });
});
