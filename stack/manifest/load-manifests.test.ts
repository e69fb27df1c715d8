import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../common/errors.ts";
import { loadManifests } from "./load-manifests.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../manifests");
const kustomization = parse(readFileSync(path.join(MANIFESTS, "kustomization.yaml"), "utf8")) as {
  namespace: string;
  resources: string[];
  images: { name: string; newName?: string; newTag: string }[];
};
/** The InputError a load fails with, for exact comparison of its whole message. */
async function inputErrorOf(load: Promise<unknown>): Promise<string> {
  const error = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).message;
}
/** How loadManifests shows a shipped file: relative to the current directory (the repository root under vitest). */
const shown = (file: string) => path.relative(process.cwd(), path.join(MANIFESTS, file));

describe("loadManifests on the shipped manifests", () => {
  it("should load the objects of every resource kustomization.yaml lists, in its order", async () => {
    const set = await loadManifests(MANIFESTS);

    expect([...new Set(set.objects.map((o) => o.file))]).toEqual(kustomization.resources.map(shown));
    expect(set.kustomizationFile).toBe(path.join(MANIFESTS, "kustomization.yaml"));
    expect(set.dir).toBe(MANIFESTS);
  });

  it("should read the namespace and the image pins from kustomization.yaml", async () => {
    const set = await loadManifests(MANIFESTS);

    expect(set.namespace).toBe(kustomization.namespace);
    expect(set.images).toEqual(kustomization.images);
  });

  it("should number documents from 1 within each file, skipping none", async () => {
    const set = await loadManifests(MANIFESTS);
    const prometheus = set.objects.filter((o) => o.file === shown("prometheus.yaml"));

    expect(prometheus.map((o) => `${o.document} ${o.object.kind} ${o.object.metadata.name}`)).toEqual([
      "1 ConfigMap prometheus-config",
      "2 ConfigMap prometheus-rules",
      "3 ServiceAccount prometheus",
      "4 ClusterRole obsconf-prometheus",
      "5 ClusterRoleBinding obsconf-prometheus",
      "6 StatefulSet prometheus",
      "7 Service prometheus",
    ]);
  });

  it("should keep every object in the stack's namespace except the cluster-scoped ones", async () => {
    const set = await loadManifests(MANIFESTS);
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);

    expect(set.objects.filter((o) => !clusterScoped.has(o.object.kind) && o.object.metadata.namespace !== kustomization.namespace)).toEqual([]);
    expect(set.objects.filter((o) => clusterScoped.has(o.object.kind) && o.object.kind !== "Namespace" && o.object.metadata.namespace !== undefined)).toEqual(
      [],
    );
  });
});

describe("loadManifests on broken input", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-load-manifests-test-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const writeKustomization = (resources: string[]) =>
    writeFile(
      path.join(dir, "kustomization.yaml"),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: monitoring\nresources: [${resources.join(", ")}]\nimages: []\n`,
    );

  it("should show a path outside the current directory as given when kustomization.yaml is missing", async () => {
    expect(await inputErrorOf(loadManifests(dir))).toBe(
      `${dir}/kustomization.yaml: expected a kustomization.yaml listing the stack's manifests, saw no readable file (ENOENT)`,
    );
  });

  it("should name the file, document, line and parser's words for invalid YAML", async () => {
    await writeKustomization(["a.yaml"]);
    await writeFile(path.join(dir, "a.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n---\nkind: [ConfigMap\nmetadata:\n  name: x\n");

    expect(await inputErrorOf(loadManifests(dir))).toBe(
      `${dir}/a.yaml: document 2: expected valid YAML, saw BAD_INDENT at line 7, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    );
  });

  it("should reject a number where a label value must be a string", async () => {
    await writeKustomization(["a.yaml"]);
    await writeFile(path.join(dir, "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: monitoring\n  labels:\n    tier: 1\n");

    expect(await inputErrorOf(loadManifests(dir))).toBe(
      `${dir}/a.yaml: document 1 (ConfigMap monitoring/x): field metadata.labels.tier: expected a string label value (quote numbers and booleans), saw 1`,
    );
  });

  it("should reject container ports that are not a list", async () => {
    await writeKustomization(["a.yaml"]);
    await writeFile(
      path.join(dir, "a.yaml"),
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: x",
        "spec:",
        "  selector: {matchLabels: {a: b}}",
        "  template:",
        "    metadata: {labels: {a: b}}",
        "    spec:",
        "      containers:",
        "        - name: x",
        "          image: busybox",
        "          ports: 9090",
        "",
      ].join("\n"),
    );

    expect(await inputErrorOf(loadManifests(dir))).toBe(
      `${dir}/a.yaml: document 1 (Deployment x): field spec.template.spec.containers[0].ports: expected a list of named container ports, saw 9090`,
    );
  });
});
