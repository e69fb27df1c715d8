// Vector's local config (stack/components/vector-local-config.ts) against the pod log files the harness
// writes (load/transport/file-transport.ts): the two layers meet here, in scenarios/, as the module map asks.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createPodLogFileTransport } from "../../load/transport/file-transport.ts";
import { extractComponents, type ComponentSpec } from "../../stack/manifest/component-spec.ts";
import { loadManifests } from "../../stack/manifest/load-manifests.ts";
import type { LocalPod } from "../../stack/components/component-def.ts";
import { COMPONENT_NAMES } from "../../stack/components/index.ts";
import { adaptVectorConfig } from "../../stack/components/vector-local-config.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");
const POD: LocalPod = {
  name: "obsconf-log-canary",
  namespace: "obsconf-agents",
  uid: "7b0c1d2e-0000-4000-8000-000000000001",
  containerName: "canary",
  labels: { "app.kubernetes.io/name": "obsconf-agent-canary" },
};

type Component = { type?: string; inputs?: string[]; include?: string[]; read_from?: string; source?: string };

describe("adaptVectorConfig", () => {
  let spec: ComponentSpec;
  let root: string;
  beforeAll(async () => {
    spec = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES).find((s) => s.name === "vector")!;
    root = await mkdtemp(path.join(tmpdir(), "obsconf-vector-"));
  });
  afterAll(async () => void (root && (await rm(root, { recursive: true, force: true }))));

  function adapted(notes: string[] = []): { sources: Record<string, Component>; transforms: Record<string, Component>; sinks: Record<string, Component> } {
    const file = spec.container.mounts.flatMap((m) => (m.kind === "config" ? m.files : [])).find((f) => f.path.endsWith("vector.yaml"))!;
    return parse(
      adaptVectorConfig(file.content, { services: [], pods: [POD], podLogDir: path.join(root, "var", "log", "pods"), note: (line) => notes.push(line) }),
    );
  }

  it("should replace kubernetes_logs with a file source and a CRI remap that the manifest's remap reads", () => {
    const notes: string[] = [];
    const config = adapted(notes);
    expect(config.sources.kubernetes_logs).toEqual({
      type: "file",
      include: [`${root}/var/log/pods/*/*/*.log`],
      read_from: "beginning",
      fingerprint: { strategy: "device_and_inode" },
    });
    expect(config.sources.http_logs!.type).toBe("http_server");
    expect(config.transforms.kubernetes_logs_cri!.type).toBe("remap");
    expect(config.transforms.kubernetes_logs_cri!.inputs).toEqual(["kubernetes_logs"]);
    expect(config.transforms.parse_logs!.inputs).toEqual(["kubernetes_logs_cri", "http_logs"]);
    expect(config.transforms.parse_logs!.source).toContain(`.kubernetes.pod_labels."app.kubernetes.io/name"`);
    expect(config.sinks.loki!.inputs).toEqual(["parse_logs"]);
    expect(notes).toEqual([
      `vector: sources.kubernetes_logs: kubernetes_logs -> file source over ${root}/var/log/pods/*/*/*.log + remap transforms.kubernetes_logs_cri (CRI prefix parsed; .kubernetes.* from the path and 1 harness pod(s): obsconf-agents/obsconf-log-canary); transforms.parse_logs now reads kubernetes_logs_cri`,
    ]);
  });

  it("should set the fields the manifest's remap reads, from a file the file transport wrote (VRL regexes run as JS)", async () => {
    const source = adapted().transforms.kubernetes_logs_cri!.source!;
    expect(source).toContain(`if location.uid == "${POD.uid}" { .kubernetes.pod_labels = {"app.kubernetes.io/name": "obsconf-agent-canary"} }`);
    const [cri, location] = [...source.matchAll(/r'([^']*)'/g)].map((m) => new RegExp(m[1]!.replace(/\(\?P</g, "(?<")));
    await using file = createPodLogFileTransport({ rootDir: root, namespace: POD.namespace, pod: POD.name, uid: POD.uid, container: POD.containerName });
    await file.appendLines(['ts=1 seq=0 run=r msg="obsconf log canary"'], 1_764_000_000_123_456_789n);
    const line = (await readFile(file.path, "utf8")).trimEnd();
    expect(cri!.exec(line)?.groups).toEqual({
      timestamp: "2025-11-24T16:00:00.123456789Z",
      stream: "stdout",
      tag: "F",
      message: 'ts=1 seq=0 run=r msg="obsconf log canary"',
    });
    expect(location!.exec(file.path)?.groups).toEqual({ namespace: POD.namespace, pod: POD.name, uid: POD.uid, container: "canary" });
  });
});
