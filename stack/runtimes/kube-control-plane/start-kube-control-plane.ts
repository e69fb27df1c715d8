import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { HarnessError } from "../../../common/errors.ts";
import { killGroup, registerChild } from "../local/child-registry.ts";
import { freePort } from "../local/free-port.ts";
import { makeControlPlaneCerts, type ControlPlaneCerts } from "./control-plane-certs.ts";
import type { ControlPlaneBinaries } from "./control-plane-binaries.ts";

export interface KubeControlPlaneOptions {
  binaries: ControlPlaneBinaries;
  /** The fake node kwok plays (no taints); its allocatable resources. */
  node?: { name?: string; cpu?: string; memory?: string; pods?: string };
  /** Unbound PersistentVolumes (no storage class) for StatefulSets' volumeClaimTemplates; there is no provisioner. */
  persistentVolumes?: { count: number; capacity: string };
  /** PodSecurity admission's cluster default (`enforce` level); unset: privileged, as Kubernetes ships. */
  podSecurityEnforce?: "privileged" | "baseline" | "restricted";
  readyTimeoutMs?: number;
}

export interface StartedKubeControlPlane extends AsyncDisposable {
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  readonly dir: string;
  readonly caFile: string;
  /** The admin (client certificate, system:masters). */
  adminKubeConfig(): KubeConfig;
  /** A kubeconfig that authenticates as the ServiceAccount with a token from the TokenRequest API. */
  serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig>;
  /** Writes a kubeconfig to a file (for child processes: `obsconf cleanup`, kube-state-metrics). */
  writeKubeConfig(kc: KubeConfig, file: string): Promise<string>;
  /** The tail of a component's log (`etcd`, `kube-apiserver`, `kube-controller-manager`, `kube-scheduler`, `kwok`). */
  logTail(component: string, lines?: number): string;
  /** Stops every process it started (kwok first, etcd last) and removes its directory. */
  stop(): Promise<void>;
}

interface Started {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * A real Kubernetes control plane on loopback for tests: etcd (Debian), kube-apiserver with RBAC
 * (serving a certificate of a throw-away CA, client certificates and ServiceAccount tokens),
 * kube-controller-manager and kube-scheduler (so workloads get pods and rollouts progress), and
 * kwok playing one node and the kubelet's pod status (Running, Ready). Every port is asked of the
 * OS. Nothing is left running: `stop()` (or dispose) ends each process group and removes the dir.
 */
export async function startKubeControlPlane(options: KubeControlPlaneOptions): Promise<StartedKubeControlPlane> {
  const { binaries, readyTimeoutMs = 90_000 } = options;
  const dir = await mkdtemp(path.join(tmpdir(), "obsconf-kube-"));
  const started: Started[] = [];
  const stop = async () => {
    for (const proc of [...started].reverse()) {
      killGroup(proc.child, "SIGTERM");
      const killed = setTimeout(() => killGroup(proc.child, "SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(killed);
    }
    started.splice(0);
    await rm(dir, { recursive: true, force: true });
  };
  const logFile = (name: string) => path.join(dir, `${name}.log`);
  const logTail = (name: string, lines = 15) => {
    try {
      return readFileSync(logFile(name), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  };
  const launch = (name: string, file: string, args: string[]) => {
    const fd = openSync(logFile(name), "a");
    const child = spawn(file, args, { cwd: dir, detached: true, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    registerChild(child);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
    started.push({ name, child, exited });
    return child;
  };
  const failIfExited = (name: string) => {
    const proc = started.find((p) => p.name === name);
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new HarnessError(
        `${name} exited (code ${proc.child.exitCode ?? proc.child.signalCode}) while the control plane started; last log lines:\n${logTail(name)}`,
      );
    }
  };

  try {
    const certs = await makeControlPlaneCerts(dir);
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    launch("etcd", binaries.etcd, [
      "--name=obsconf",
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=obsconf=http://127.0.0.1:${etcdPeer}`,
      "--log-level=warn",
    ]);
    const admission = options.podSecurityEnforce ? [`--admission-control-config-file=${await podSecurityConfig(dir, options.podSecurityEnforce)}`] : [];
    launch("kube-apiserver", binaries.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      "--advertise-address=127.0.0.1",
      "--endpoint-reconciler-type=none",
      `--tls-cert-file=${certs.servingCert}`,
      `--tls-private-key-file=${certs.servingKey}`,
      `--client-ca-file=${certs.caCert}`,
      "--authorization-mode=Node,RBAC",
      "--allow-privileged=true",
      "--service-cluster-ip-range=10.96.0.0/16",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${certs.serviceAccountPub}`,
      `--service-account-signing-key-file=${certs.serviceAccountKey}`,
      `--cert-dir=${path.join(dir, "apiserver-certs")}`,
      "--profiling=false",
      ...admission,
    ]);
    const server = `https://127.0.0.1:${apiPort}`;
    await waitReady(server, certs, readyTimeoutMs, () => {
      failIfExited("etcd");
      failIfExited("kube-apiserver");
    });
    const adminKubeconfig = path.join(dir, "admin.kubeconfig");
    await writeFile(adminKubeconfig, kubeconfigYaml(server, certs));
    launch("kube-controller-manager", binaries.kubeControllerManager, [
      `--kubeconfig=${adminKubeconfig}`,
      "--leader-elect=false",
      "--secure-port=0",
      "--use-service-account-credentials=false",
      `--service-account-private-key-file=${certs.serviceAccountKey}`,
      `--root-ca-file=${certs.caCert}`,
      "--cluster-name=obsconf-test",
      "--node-monitor-grace-period=60s",
    ]);
    launch("kube-scheduler", binaries.kubeScheduler, [`--kubeconfig=${adminKubeconfig}`, "--leader-elect=false", "--secure-port=0"]);
    const kwokConfig = path.join(dir, "kwok.yaml");
    await writeFile(kwokConfig, await kwokStages(binaries.kwokStagesDir));
    launch("kwok", binaries.kwok, [
      `--kubeconfig=${adminKubeconfig}`,
      `--config=${kwokConfig}`,
      "--manage-all-nodes=false",
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      "--cidr=10.244.0.1/24",
      "--node-ip=10.244.0.1",
    ]);
    const admin = adminConfig(server, certs);
    await seedCluster(admin, options);
    return {
      server,
      dir,
      caFile: certs.caCert,
      logTail,
      adminKubeConfig: () => adminConfig(server, certs),
      serviceAccountKubeConfig: async (namespace, name) => {
        const core = adminConfig(server, certs).makeApiClient(CoreV1Api);
        const token = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
        const kc = new KubeConfig();
        kc.loadFromOptions({
          clusters: [{ name: "obsconf-test", server, caFile: certs.caCert }],
          users: [{ name: `${namespace}/${name}`, token: token.status!.token }],
          contexts: [{ name: "obsconf-test", cluster: "obsconf-test", user: `${namespace}/${name}` }],
          currentContext: "obsconf-test",
        });
        return kc;
      },
      writeKubeConfig: async (kc, file) => {
        await writeFile(file, kc.exportConfig());
        return file;
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    const logs = started.map((p) => `--- ${p.name}\n${logTail(p.name, 8)}`).join("\n");
    await stop();
    if (error instanceof HarnessError) throw new HarnessError(`${error.message}\n${logs}`, { cause: error });
    throw new HarnessError(`the Kubernetes control plane did not start: ${error instanceof Error ? error.message : String(error)}\n${logs}`, { cause: error });
  }
}

function adminConfig(server: string, certs: ControlPlaneCerts): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "obsconf-test", server, caFile: certs.caCert }],
    users: [{ name: "admin", certFile: certs.adminCert, keyFile: certs.adminKey }],
    contexts: [{ name: "obsconf-test", cluster: "obsconf-test", user: "admin" }],
    currentContext: "obsconf-test",
  });
  return kc;
}

function kubeconfigYaml(server: string, certs: ControlPlaneCerts): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "current-context: admin",
    "clusters:",
    `- name: obsconf-test`,
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority: ${certs.caCert}`,
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate: ${certs.adminCert}`,
    `    client-key: ${certs.adminKey}`,
    "contexts:",
    "- name: admin",
    "  context:",
    "    cluster: obsconf-test",
    "    user: admin",
    "",
  ].join("\n");
}

/** GET /readyz as the admin until it answers 200. */
async function waitReady(server: string, certs: ControlPlaneCerts, timeoutMs: number, check: () => void): Promise<void> {
  const ca = await readFile(certs.caCert);
  const cert = await readFile(certs.adminCert);
  const key = await readFile(certs.adminKey);
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    check();
    last = await new Promise<string>((resolve) => {
      const req = request(`${server}/readyz`, { ca, cert, key, timeout: 2_000 }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () =>
          resolve(
            res.statusCode === 200
              ? "ok"
              : `HTTP ${res.statusCode} ${body
                  .split("\n")
                  .filter((l) => l.includes("failed"))
                  .join("; ")
                  .slice(0, 300)}`,
          ),
        );
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end();
    });
    if (last === "ok") return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new HarnessError(`kube-apiserver at ${server} not ready after ${timeoutMs}ms (last: ${last})`);
}

async function kwokStages(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  return `${(await Promise.all(files.map((f) => readFile(path.join(dir, f), "utf8")))).map((text) => text.trim()).join("\n---\n")}\n`;
}

async function podSecurityConfig(dir: string, level: string): Promise<string> {
  const file = path.join(dir, "admission.yaml");
  await writeFile(
    file,
    [
      "apiVersion: apiserver.config.k8s.io/v1",
      "kind: AdmissionConfiguration",
      "plugins:",
      "- name: PodSecurity",
      "  configuration:",
      "    apiVersion: pod-security.admission.config.k8s.io/v1",
      "    kind: PodSecurityConfiguration",
      "    defaults:",
      `      enforce: "${level}"`,
      '      enforce-version: "latest"',
      "    exemptions:",
      "      namespaces: [kube-system]",
      "",
    ].join("\n"),
  );
  return file;
}

/** The fake node kwok manages and the volumes a StatefulSet's claims bind to. */
async function seedCluster(admin: KubeConfig, { node = {}, persistentVolumes }: KubeControlPlaneOptions): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(admin);
  const name = node.name ?? "kwok-node-0";
  const resources = { cpu: node.cpu ?? "16", memory: node.memory ?? "64Gi", pods: node.pods ?? "110" };
  await api.create({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
    },
    spec: {},
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: { architecture: "amd64", operatingSystem: "linux", kubeletVersion: "fake", containerRuntimeVersion: "fake" },
    },
  } as never);
  for (let i = 0; i < (persistentVolumes?.count ?? 0); i++) {
    await api.create({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `obsconf-test-pv-${i}` },
      spec: {
        capacity: { storage: persistentVolumes!.capacity },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: "",
        hostPath: { path: `/tmp/obsconf-test-pv-${i}` },
      },
    } as never);
  }
}
