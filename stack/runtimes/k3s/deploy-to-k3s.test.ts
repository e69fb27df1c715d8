import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../../components/index.ts";
import { startKubeApiDouble } from "../kube-api/kube-api-double.ts";
import { K3S_IMAGE } from "../kube/versions.ts";
import { deployToK3s } from "./deploy-to-k3s.ts";
import { planK3s } from "./k3s-plan.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const usable = { usable: true as const, engine: "unix:///fake.sock", engineVersion: "test", image: K3S_IMAGE, imageSource: "present" as const, reason: "test" };

describe("deployToK3s", () => {
  let runDir: string;
  beforeEach(async () => {
    runDir = await mkdtemp(path.join(tmpdir(), "obsconf-k3s-deploy-"));
  });
  afterEach(async () => {
    await rm(runDir, { recursive: true, force: true });
  });

  it("should apply the labelled manifests and the harness's instruments, and hand out endpoints through the mapped NodePorts", async () => {
    await using api = await startKubeApiDouble();
    const plan = await planK3s({ manifestsDir: MANIFESTS, probe: usable });
    let stopped = 0;
    const execs: string[] = [];
    const exec = async (command: string[]) => {
      execs.push(command.join(" "));
      return { exitCode: command[0] === "mount" ? 0 : command[0] === "nc" ? 0 : 127, output: "" };
    };
    const node = {
      kubeConfig: api.kubeConfig(),
      host: "localhost",
      mappedPort: (port: number) => port + 20_000,
      gateway: "172.17.0.1",
      exec,
      stop: async () => void stopped++,
    };
    const stack = await deployToK3s(node, plan, {
      runId: "r1",
      runDir,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      rolloutIntervalMs: 10,
      options: {
        readyTimeoutMs: 5_000,
        overrides: [
          {
            component: "alertmanager",
            describe: "webhook receiver at the sink",
            file: {
              path: "/etc/alertmanager/alertmanager.yml",
              transform: (t) => t.replace("http://alert-webhook.ecomm-prod.svc.cluster.local:8080/alerts", "http://127.0.0.1:40123/alerts"),
            },
          },
        ],
        extraServices: [
          {
            name: "obsconf-pull-canary",
            namespace: "ecomm-prod",
            annotations: { "prometheus.io/scrape": "true" },
            ports: [{ name: "http", host: "127.0.0.1", port: 40999 }],
          },
        ],
      },
    });
    const patches = api.requests.filter((r) => r.method === "PATCH");
    expect(
      patches
        .slice(0, 2)
        .map((p) => p.path)
        .sort(),
    ).toEqual(["/api/v1/namespaces/ecomm-prod", "/api/v1/namespaces/monitoring"]);
    for (const p of patches)
      expect((p.body as { metadata: { labels: Record<string, string> } }).metadata.labels).toMatchObject({
        "app.kubernetes.io/managed-by": "obsconf",
        "obsconf.dev/run-id": "r1",
      });
    expect(api.get({ kind: "Endpoints", namespace: "ecomm-prod", name: "obsconf-pull-canary" })?.subsets).toEqual([
      { addresses: [{ ip: "172.17.0.1" }], ports: [{ name: "http", port: 40999, protocol: "TCP" }] },
    ]);
    expect(
      (api.get({ kind: "ConfigMap", namespace: "monitoring", name: "alertmanager-config" })?.data as Record<string, string> | undefined)?.["alertmanager.yml"],
    ).toContain("http://172.17.0.1:40123/alerts");
    expect(stack.components().map((c) => [c.plan.component, c.plan.mode, c.status.state])).toEqual(COMPONENT_NAMES.map((name) => [name, "pod", "ready"]));
    const web = plan.exposures.find((e) => e.service === "prometheus" && e.port === "web")!;
    expect(stack.endpoints().prometheus).toEqual({ web: { host: "localhost", port: web.nodePort + 20_000, url: `http://localhost:${web.nodePort + 20_000}` } });
    expect(stack.harnessAddress()).toBe("172.17.0.1");
    expect(execs).toEqual(["mount --make-rshared /", "nc -z -w 3 172.17.0.1 40123", "nc -z -w 3 172.17.0.1 40999"]);
    expect(stack.rewrites()).toEqual(
      expect.arrayContaining([
        "k3s: mount --make-rshared / in the node container (node-exporter mounts / with HostToContainer propagation, which containerd refuses on a private mount)",
        "k3s: harness 172.17.0.1:40999 reachable from the node (nc -z connected)",
        "alertmanager: /etc/alertmanager/alertmanager.yml: 127.0.0.1:40123 -> 172.17.0.1:40123",
        `k3s: Service prometheus port web -> NodePort ${web.nodePort} -> localhost:${web.nodePort + 20_000}`,
      ]),
    );
    await stack.stop();
    await stack.stop();
    expect(stopped).toBe(1);
  });

  it("should render node-exporter without HostToContainer propagation when the node's root cannot be made shared", async () => {
    await using api = await startKubeApiDouble();
    const plan = await planK3s({ manifestsDir: MANIFESTS, probe: usable });
    const exec = async (command: string[]) => ({ exitCode: command[0] === "mount" ? 1 : 127, output: "mount: / not mounted" });
    const node = {
      kubeConfig: api.kubeConfig(),
      host: "localhost",
      mappedPort: (port: number) => port,
      gateway: "172.17.0.1",
      exec,
      stop: async () => undefined,
    };
    const stack = await deployToK3s(node, plan, {
      runId: "r2",
      runDir,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      rolloutIntervalMs: 10,
      options: { readyTimeoutMs: 5_000 },
    });
    const daemonSet = api.get({ kind: "DaemonSet", namespace: "monitoring", name: "node-exporter" }) as unknown as {
      spec: { template: { spec: { containers: { volumeMounts: { name: string; mountPropagation?: string }[] }[] } } };
    };
    expect(daemonSet.spec.template.spec.containers[0]!.volumeMounts.find((m) => m.name === "root")).toEqual({
      name: "root",
      mountPath: "/host/root",
      readOnly: true,
    });
    expect(stack.rewrites()).toContain(
      "k3s: DaemonSet node-exporter container node-exporter: volume root mounted without HostToContainer propagation (the node's / is not a shared mount)",
    );
    await stack.stop();
  });
});
