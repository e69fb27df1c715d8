import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadManifests, type ManifestSet } from "../../manifest/load-manifests.ts";
import { HARNESS_POLICY_SOURCE } from "./harness-network-policy.ts";
import { HARNESS_PORTS } from "./node-ports.ts";
import { APPLY_ORDER, renderForTarget, type RenderedObject } from "./render.ts";
import { MANAGED_BY_LABEL, RUN_ID_LABEL, runNamespace } from "./run-namespace.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const RUN_ID = "20250101-120000-abcd";
const CLUSTER = { kind: "cluster", namespace: runNamespace(RUN_ID), runId: RUN_ID } as const;
const describeObject = ({ object }: RenderedObject) =>
  `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
type Pod = { template: { spec: { containers: { name: string; image: string; args?: string[]; env?: { name: string; value?: string }[] }[] } } };
const containersOf = (o: RenderedObject) => (o.object.spec as Pod).template.spec.containers;
const configData = (objects: readonly RenderedObject[]) =>
  objects
    .filter((o) => o.object.kind === "ConfigMap")
    .map((o) => ({ name: o.object.metadata.name, data: (o.object as unknown as { data: Record<string, string> }).data }));

/** Lines of ConfigMap data, args and env that differ from the source: what the namespace move rewrote. */
function changedLines(before: readonly RenderedObject[], after: readonly RenderedObject[]): string[] {
  const lines = (objects: readonly RenderedObject[]) =>
    new Map(
      objects.flatMap((o) => [
        ...configData([o]).flatMap(({ name, data }) => Object.entries(data).map(([key, value]) => [`ConfigMap ${name} ${key}`, value] as const)),
        ...(o.object.spec && (o.object.spec as Partial<Pod>).template
          ? containersOf(o).map(
              (c) =>
                [
                  `${o.object.kind} ${o.object.metadata.name} ${c.name}`,
                  [...(c.args ?? []), ...(c.env ?? []).map((e) => `${e.name}=${e.value ?? ""}`)].join("\n"),
                ] as const,
            )
          : []),
      ]),
    );
  const original = lines(before);
  return [...lines(after)].flatMap(([where, text]) => {
    const old = original.get(where)!.split("\n");
    return text.split("\n").flatMap((line, index) => (line === old[index] ? [] : [`${where}: ${old[index]!.trim()} -> ${line.trim()}`]));
  });
}

describe("renderForTarget", () => {
  let set: ManifestSet;
  let k3s: RenderedObject[];
  let cluster: RenderedObject[];
  beforeAll(async () => {
    set = await loadManifests(MANIFESTS);
    k3s = renderForTarget(set, { kind: "k3s" });
    cluster = renderForTarget(set, CLUSTER);
  });

  it("should pin every workload image from the kustomization's images list", async () => {
    const kustomization = parse(await readFile(path.join(MANIFESTS, "kustomization.yaml"), "utf8")) as {
      images: { name: string; newName?: string; newTag: string }[];
    };
    for (const rendered of [k3s, cluster]) {
      const images = rendered
        .filter((o) => ["StatefulSet", "Deployment", "DaemonSet"].includes(o.object.kind))
        .flatMap((o) => containersOf(o).map((c) => c.image));
      expect(images.sort()).toEqual(kustomization.images.map((i) => `${i.newName ?? i.name}:${i.newTag}`).sort());
    }
  });

  it("should order objects for apply, keeping source order within a kind", () => {
    for (const rendered of [k3s, cluster]) {
      const ranks = rendered.map((o) => APPLY_ORDER.indexOf(o.object.kind));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      for (const kind of new Set(rendered.map((o) => o.object.kind))) {
        const sources = rendered
          .filter((o) => o.object.kind === kind && o.source.file !== HARNESS_POLICY_SOURCE)
          .map((o) => set.objects.findIndex((s) => s.file === o.source.file && s.document === o.source.document));
        expect(sources).toEqual([...sources].sort((a, b) => a - b));
      }
    }
    expect(cluster.map((o) => `${describeObject(o)} <- ${o.source.file}#${o.source.document}`)).toMatchSnapshot();
  });

  it("should admit the harness through the manifests' NetworkPolicies: k3s NodePorts from anywhere, cluster k6 runner pods only", () => {
    const harness = (rendered: readonly RenderedObject[]) =>
      rendered
        .filter((o) => o.source.file === HARNESS_POLICY_SOURCE)
        .map(
          (o) =>
            o.object as unknown as {
              metadata: { name: string; namespace?: string };
              spec: { podSelector: unknown; ingress: { from?: unknown[]; ports: { port: string | number }[] }[] };
            },
        );
    expect(set.objects.some((o) => o.object.kind === "NetworkPolicy")).toBe(true);
    const k3sPolicies = harness(k3s);
    expect(k3sPolicies.map((p) => p.metadata.name).sort()).toEqual(
      Object.keys(HARNESS_PORTS)
        .map((s) => `obsconf-harness-${s}`)
        .sort(),
    );
    const tempo = k3sPolicies.find((p) => p.metadata.name === "obsconf-harness-tempo")!;
    expect(tempo.metadata.namespace).toBe("monitoring");
    expect(tempo.spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "tempo" } },
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ port: "http" }, { port: "otlp-grpc" }, { port: "otlp-http" }] }],
    });
    const runners = harness(cluster).find((p) => p.metadata.name === "obsconf-harness-otel-collector")!;
    expect(runners.metadata.namespace).toBe(runNamespace(RUN_ID));
    expect(runners.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { [MANAGED_BY_LABEL]: "obsconf", [RUN_ID_LABEL]: RUN_ID } } }],
        ports: [{ port: "otlp-grpc" }, { port: "otlp-http" }],
      },
    ]);
    const outside = harness(renderForTarget(set, { ...CLUSTER, harnessFromAnywhere: true })).find((p) => p.metadata.name === "obsconf-harness-otel-collector")!;
    expect(outside.spec.ingress.map((r) => r.from === undefined)).toEqual([false, true]);
  });

  it("should add no harness policy when the manifests have no NetworkPolicy", () => {
    const without = { ...set, objects: set.objects.filter((o) => o.object.kind !== "NetworkPolicy") };
    expect(renderForTarget(without, { kind: "k3s" }).filter((o) => o.object.kind === "NetworkPolicy")).toEqual([]);
  });

  it("should keep the k3s render in the manifests' namespace, unlabelled", () => {
    expect(k3s.filter((o) => o.source.file !== HARNESS_POLICY_SOURCE).length).toBe(set.objects.length);
    for (const o of k3s) {
      expect(o.object.metadata.namespace ?? "(cluster-scoped)", describeObject(o)).toBe(
        ["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(o.object.kind) ? "(cluster-scoped)" : "monitoring",
      );
      expect(o.object.metadata.labels?.[RUN_ID_LABEL]).toBeUndefined();
    }
    expect(
      changedLines(
        set.objects.map((o) => ({ object: o.object, source: o })),
        k3s,
      ),
    ).toEqual([]);
  });

  it("should move every namespaced object into the run namespace and label every object", () => {
    for (const o of cluster) {
      const scoped = ["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(o.object.kind);
      expect(o.object.metadata.namespace, describeObject(o)).toBe(scoped ? undefined : "obsconf-20250101-120000-abcd");
      expect(o.object.metadata.labels, describeObject(o)).toMatchObject({ [MANAGED_BY_LABEL]: "obsconf", [RUN_ID_LABEL]: RUN_ID });
    }
    expect(cluster.filter((o) => o.object.kind === "Namespace").map(describeObject)).toEqual(["Namespace obsconf-20250101-120000-abcd"]);
  });

  it("should rename cluster-scoped RBAC with the run id, the bindings following", () => {
    const rbac = cluster
      .filter((o) => o.object.kind.startsWith("Cluster"))
      .map(({ object }) => ({ kind: object.kind, name: object.metadata.name, roleRef: object.roleRef, subjects: object.subjects }));
    expect(rbac).toMatchSnapshot();
    const roles = new Set(rbac.filter((r) => r.kind === "ClusterRole").map((r) => r.name));
    for (const binding of rbac.filter((r) => r.kind === "ClusterRoleBinding")) expect(roles).toContain((binding.roleRef as { name: string }).name);
  });

  it("should rewrite in-cluster DNS names, SD namespaces and nothing else", () => {
    const lines = changedLines(
      set.objects.map((o) => ({ object: o.object, source: o })),
      cluster,
    );
    expect(lines).toMatchSnapshot();
    const leftovers = configData(cluster).flatMap(({ name, data }) =>
      Object.values(data).flatMap((v) => (v.match(/[\w-]+\.monitoring\b[\w.]*/g) ?? []).map((m) => `${name}: ${m}`)),
    );
    expect(leftovers).toEqual([]);
    expect(lines.some((l) => l.includes("names: [obsconf-20250101-120000-abcd]"))).toBe(true);
  });

  it("should not modify the loaded manifest set", () => {
    const before = JSON.stringify(set);
    renderForTarget(set, CLUSTER);
    renderForTarget(set, { kind: "k3s" });
    expect(JSON.stringify(set)).toBe(before);
  });

  it("should add the run's Namespace when the manifests have none, and refuse a second Namespace", () => {
    const withoutNamespace = { ...set, objects: set.objects.filter((o) => o.object.kind !== "Namespace") };
    const [first] = renderForTarget(withoutNamespace, CLUSTER);
    expect(first).toEqual({
      object: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
          name: "obsconf-20250101-120000-abcd",
          labels: {
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/enforce-version": "latest",
            [MANAGED_BY_LABEL]: "obsconf",
            [RUN_ID_LABEL]: RUN_ID,
          },
        },
      },
      source: { file: "stack/manifests/kustomization.yaml", document: 1 },
    });
    const extra = { object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "ecomm-prod" } }, file: "extra.yaml", document: 2 };
    expect(() => renderForTarget({ ...set, objects: [...set.objects, extra] }, CLUSTER)).toThrow(
      'extra.yaml: document 2 (Namespace ecomm-prod): field metadata.name: expected only the stack\'s namespace "monitoring" (a cluster run puts everything in its own namespace), saw "ecomm-prod"',
    );
  });

  it("should refuse a run id that cannot name Kubernetes objects", () => {
    expect(() => renderForTarget(set, { kind: "cluster", namespace: "obsconf-Run_1", runId: "Run_1" })).toThrow(
      "cluster run target: field runId: expected a run id of at most 40 lower-case letters, digits and '-' (it names the namespace and cluster-scoped objects), saw \"Run_1\"",
    );
  });
});
