import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMPONENT_NAMES, componentDef } from "../../components/index.ts";
import { OBSCONF_VERSION } from "../../obsconf-version.ts";
import { extractComponents, type ComponentSpec } from "../../manifest/component-spec.ts";
import { loadManifests } from "../../manifest/load-manifests.ts";
import { coreVersion, type ComponentPlan } from "../../plan.ts";
import { planLocal } from "./plan-local.ts";
import { recipeFor } from "../../provision/component-recipes.ts";
import { recipeHash } from "../../provision/provision-cache.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

/**
 * planLocal looks binaries up on process.env.PATH. Each test puts only its own fake binaries (shell
 * scripts printing a version line) on PATH; vitest runs this file in its own forked worker.
 */
describe("planLocal with fake binaries on PATH", () => {
  let specs: ComponentSpec[];
  let binDir: string;
  let cache: string;
  let savedPath: string | undefined;
  /** An empty component cache unless a test provisions into it: plans never see the machine's own. */
  const plan = (options: Parameters<typeof planLocal>[1] = {}) => planLocal(specs, { componentsCache: cache, ...options });
  const notProvisioned = (name: string) => `not provisioned (no ${path.join(cache, name, spec(name).image.tag)}; obsconf setup components builds it)`;

  /** A cache entry as provisioning leaves it: provenance.json of the current recipe and an executable printing `versionLine`. */
  async function provisioned(name: string, binaryName: string | undefined, versionLine: string): Promise<string> {
    const dir = path.join(cache, name, spec(name).image.tag);
    const binaries: Record<string, string> = {};
    if (binaryName) {
      await mkdir(path.join(dir, "bin"), { recursive: true });
      await writeFile(path.join(dir, "bin", binaryName), `#!/bin/sh\necho '${versionLine}'\n`, { mode: 0o755 });
      binaries[binaryName] = `bin/${binaryName}`;
    } else {
      await mkdir(path.join(dir, "libs"), { recursive: true });
      await writeFile(path.join(dir, "libs", versionLine), "");
    }
    const provenance = {
      component: name,
      tag: spec(name).image.tag,
      source: "test",
      recipeHash: await recipeHash(recipeFor(name)!, spec(name).image.tag),
      toolchain: "test",
      builtAt: "2026-01-01T00:00:00.000Z",
      durationMs: 1,
      binaries,
    };
    await writeFile(path.join(dir, "provenance.json"), JSON.stringify(provenance));
    return dir;
  }
  const spec = (name: string) => specs.find((s) => s.name === name)!;
  const base = (name: string) => ({ component: name, image: spec(name).image.ref, manifestVersion: spec(name).image.tag });
  const planOf = (plans: ComponentPlan[], name: string) => plans.find((p) => p.component === name);

  async function fakeBinary(name: string, versionLine: string): Promise<string> {
    const file = path.join(binDir, name);
    await writeFile(file, `#!/bin/sh\necho '${versionLine}'\n`);
    await chmod(file, 0o755);
    return file;
  }

  beforeAll(async () => {
    specs = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES);
  });

  beforeEach(async () => {
    binDir = await mkdtemp(path.join(tmpdir(), "obsconf-plan-local-test-"));
    cache = path.join(binDir, "cache");
    savedPath = process.env.PATH;
    process.env.PATH = binDir;
  });

  afterEach(async () => {
    if (savedPath === undefined) delete process.env.PATH;
    else process.env.PATH = savedPath;
    await rm(binDir, { recursive: true, force: true });
  });

  it("should plan one row per component, in catalog order", async () => {
    const plans = await plan();

    expect(plans.map((p) => p.component)).toEqual(COMPONENT_NAMES);
  });

  it("should run Prometheus as a process with no mismatch when the binary has the pinned version", async () => {
    const version = coreVersion(spec("prometheus").image.tag);
    const binary = await fakeBinary("prometheus", `prometheus, version ${version} (branch: HEAD)`);

    const plans = await plan();

    expect(planOf(plans, "prometheus")).toEqual({
      ...base("prometheus"),
      title: "Prometheus",
      mode: "process",
      binary,
      binaryVersion: version,
      versionMismatch: false,
      source: "path",
      fallbackReason: notProvisioned("prometheus"),
    });
  });

  it("should flag a version mismatch when the binary is older than the pinned image", async () => {
    expect(coreVersion(spec("prometheus").image.tag)).not.toBe("2.42.0");
    const binary = await fakeBinary("prometheus", "prometheus, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5+deb12u1)");

    const plans = await plan();

    expect(planOf(plans, "prometheus")).toEqual({
      ...base("prometheus"),
      title: "Prometheus",
      mode: "process",
      binary,
      binaryVersion: "2.42.0",
      versionMismatch: true,
      source: "path",
      fallbackReason: notProvisioned("prometheus"),
    });
  });

  it("should mark a component unavailable when its --bin override is not an executable file", async () => {
    await fakeBinary("prometheus", "prometheus, version 3.5.0 (branch: HEAD)");
    const notExecutable = path.join(binDir, "prometheus-copy");
    await writeFile(notExecutable, "#!/bin/sh\necho 'prometheus, version 3.5.0 (branch: HEAD)'\n", { mode: 0o644 });

    const plans = await plan({ bins: { prometheus: notExecutable } });

    expect(planOf(plans, "prometheus")).toEqual({
      ...base("prometheus"),
      title: "Prometheus",
      mode: "unavailable",
      reason: `--bin prometheus=${notExecutable} is not an executable file`,
    });
  });

  it("should stand VictoriaMetrics in for Mimir when mimir is absent and victoria-metrics is on PATH", async () => {
    const binary = await fakeBinary("victoria-metrics", "victoria-metrics-20250620-101010-tags-v1.120.0-0-g0123456789");

    const plans = await plan();

    expect(planOf(plans, "mimir")).toEqual({
      ...base("mimir"),
      title: "Grafana Mimir",
      mode: "substitute",
      substitute: "victoria-metrics",
      binary,
      binaryVersion: "1.120.0",
      describe: componentDef("mimir").substitutes![0]!.describe,
      reason: "no mimir on PATH (name one with --bin mimir=PATH)",
      source: "path",
    });
  });

  it("should name the substitutes it tried when neither mimir nor victoria-metrics is on PATH", async () => {
    const plans = await plan();

    expect(planOf(plans, "mimir")).toEqual({
      ...base("mimir"),
      title: "Grafana Mimir",
      mode: "unavailable",
      reason: "no mimir on PATH (name one with --bin mimir=PATH); no substitute either (victoria-metrics or victoria-metrics-prod)",
    });
  });

  it("should mark kube-state-metrics unavailable with its blocker even when its binary is on PATH", async () => {
    const binary = await fakeBinary("kube-state-metrics", "kube-state-metrics, version v2.16.0 (branch: HEAD)");

    const plans = await plan();

    expect(planOf(plans, "kube-state-metrics")).toEqual({
      ...base("kube-state-metrics"),
      title: "kube-state-metrics",
      mode: "unavailable",
      reason: `${binary} found, but it watches a Kubernetes API server, and the local runtime has none (set OBSCONF_KUBECONFIG to a kubeconfig to run it against that API server, or use --runtime k3s or cluster)`,
    });
  });

  it("should stand the built-in reference sink in for Loki, naming the --bin flag, when no loki is on PATH", async () => {
    const plans = await plan();

    expect(planOf(plans, "loki")).toEqual({
      ...base("loki"),
      title: "Grafana Loki",
      mode: "substitute",
      substitute: "loki-reference-sink",
      binary: process.execPath,
      binaryVersion: OBSCONF_VERSION,
      describe: componentDef("loki").substitutes![0]!.describe,
      reason: "no loki on PATH (name one with --bin loki=PATH)",
      source: "builtin",
    });
  });

  it("should mark Promtail unavailable, naming the --bin flag, when no promtail is on PATH (it has no stand-in)", async () => {
    const plans = await plan();

    expect(planOf(plans, "promtail")).toEqual({
      ...base("promtail"),
      title: "Promtail",
      mode: "unavailable",
      reason: "no promtail on PATH (name one with --bin promtail=PATH)",
    });
  });

  it("should run the provisioned build at the manifest's version before one on PATH", async () => {
    await fakeBinary("prometheus", "prometheus, version 2.42.0+ds (branch: debian/sid)");
    const dir = await provisioned("prometheus", "prometheus", "prometheus, version 3.5.0 (branch: HEAD, revision: v0.305.0)");

    const plans = await plan();

    expect(planOf(plans, "prometheus")).toEqual({
      ...base("prometheus"),
      title: "Prometheus",
      mode: "process",
      binary: path.join(dir, "bin", "prometheus"),
      binaryVersion: "3.5.0",
      versionMismatch: false,
      source: "provisioned",
      installDir: dir,
    });
  });

  it("should fall back to PATH when provisioning failed, keeping the reason", async () => {
    const binary = await fakeBinary("alertmanager", "alertmanager, version 0.25.0 (branch: debian/sid)");
    const dir = path.join(cache, "alertmanager", spec("alertmanager").image.tag);
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, "failed.json"),
      JSON.stringify({ component: "alertmanager", tag: "v0.28.1", reason: "go: no go on PATH or at /usr/local/go/bin/go\nmore", at: "x" }),
    );

    const plans = await plan();

    expect(planOf(plans, "alertmanager")).toMatchObject({
      mode: "process",
      binary,
      binaryVersion: "0.25.0",
      versionMismatch: true,
      source: "path",
      fallbackReason: "provisioning failed: go: no go on PATH or at /usr/local/go/bin/go",
    });
  });

  it("should not use a provisioned build of an older recipe", async () => {
    const dir = await provisioned("node-exporter", "node_exporter", "node_exporter, version 1.9.1");
    await writeFile(
      path.join(dir, "provenance.json"),
      JSON.stringify({ component: "node-exporter", tag: "v1.9.1", recipeHash: "0000", binaries: { node_exporter: "bin/node_exporter" }, durationMs: 1 }),
    );

    const plans = await plan();

    expect(planOf(plans, "node-exporter")).toMatchObject({
      mode: "unavailable",
      reason: expect.stringMatching(/^provisioned build not used: built from an older recipe .*; no node_exporter or prometheus-node-exporter on PATH/),
    });
  });

  it("should run provisioned Kafka on java with its jars, reading the version from the broker jar's name", async () => {
    const java = await fakeBinary("java", 'openjdk version "17.0.15" 2025-04-15');
    const dir = await provisioned("kafka", undefined, "kafka_2.13-4.0.0.jar");

    const plans = await plan();

    expect(planOf(plans, "kafka")).toEqual({
      ...base("kafka"),
      title: "Apache Kafka (KRaft)",
      mode: "process",
      binary: java,
      binaryVersion: "4.0.0",
      versionMismatch: false,
      source: "provisioned",
      installDir: dir,
    });
  });

  it("should say why provisioned Kafka cannot run without java 17", async () => {
    await provisioned("kafka", undefined, "kafka_2.13-4.0.0.jar");

    const plans = await plan();

    expect(planOf(plans, "kafka")).toMatchObject({ mode: "unavailable", reason: expect.stringMatching(/^provisioned in .*, but no java on PATH/) });
  });

  it("should take --bin kafka=DIR as a directory of Kafka's jars", async () => {
    const java = await fakeBinary("java", 'openjdk version "21.0.1" 2023-10-17');
    const home = path.join(binDir, "kafka-dist");
    await mkdir(path.join(home, "libs"), { recursive: true });
    await writeFile(path.join(home, "libs", "kafka_2.13-3.9.1.jar"), "");

    const plans = await plan({ bins: { kafka: home } });

    expect(planOf(plans, "kafka")).toMatchObject({
      mode: "process",
      binary: java,
      binaryVersion: "3.9.1",
      versionMismatch: true,
      source: "bin",
      installDir: home,
    });
    expect(planOf(await plan({ bins: { kafka: binDir } }), "kafka")).toMatchObject({
      mode: "unavailable",
      reason: `--bin kafka=${binDir} is not a directory with libs/kafka_2.13-<version>.jar (an unpacked Kafka distribution or a provisioned cache entry)`,
    });
  });

  it("should run kube-state-metrics against the API server of a given kubeconfig", async () => {
    const dir = await provisioned("kube-state-metrics", "kube-state-metrics", "kube-state-metrics, version v2.16.0 (branch: HEAD)");

    const plans = await plan({ kubeconfig: "/tmp/kubeconfig" });

    expect(planOf(plans, "kube-state-metrics")).toMatchObject({
      mode: "process",
      binary: path.join(dir, "bin", "kube-state-metrics"),
      binaryVersion: "2.16.0",
      source: "provisioned",
      kubeconfig: "/tmp/kubeconfig",
    });
  });
});
