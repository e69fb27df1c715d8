import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMPONENT_NAMES, componentDef } from "../../components/index.ts";
import { OBSCONF_VERSION } from "../../obsconf-version.ts";
import { extractComponents, type ComponentSpec } from "../../manifest/component-spec.ts";
import { loadManifests } from "../../manifest/load-manifests.ts";
import { coreVersion, type ComponentPlan } from "../../plan.ts";
import { planLocal } from "./plan-local.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

/**
 * planLocal looks binaries up on process.env.PATH. Each test puts only its own fake binaries (shell
 * scripts printing a version line) on PATH; vitest runs this file in its own forked worker.
 */
describe("planLocal with fake binaries on PATH", () => {
  let specs: ComponentSpec[];
  let binDir: string;
  let savedPath: string | undefined;
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
    savedPath = process.env.PATH;
    process.env.PATH = binDir;
  });

  afterEach(async () => {
    if (savedPath === undefined) delete process.env.PATH;
    else process.env.PATH = savedPath;
    await rm(binDir, { recursive: true, force: true });
  });

  it("should plan one row per component, in catalog order", async () => {
    const plans = await planLocal(specs);

    expect(plans.map((p) => p.component)).toEqual(COMPONENT_NAMES);
  });

  it("should run Prometheus as a process with no mismatch when the binary has the pinned version", async () => {
    const version = coreVersion(spec("prometheus").image.tag);
    const binary = await fakeBinary("prometheus", `prometheus, version ${version} (branch: HEAD)`);

    const plans = await planLocal(specs);

    expect(planOf(plans, "prometheus")).toEqual({ ...base("prometheus"), title: "Prometheus", mode: "process", binary, binaryVersion: version, versionMismatch: false });
  });

  it("should flag a version mismatch when the binary is older than the pinned image", async () => {
    expect(coreVersion(spec("prometheus").image.tag)).not.toBe("2.42.0");
    const binary = await fakeBinary("prometheus", "prometheus, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5+deb12u1)");

    const plans = await planLocal(specs);

    expect(planOf(plans, "prometheus")).toEqual({ ...base("prometheus"), title: "Prometheus", mode: "process", binary, binaryVersion: "2.42.0", versionMismatch: true });
  });

  it("should mark a component unavailable when its --bin override is not an executable file", async () => {
    await fakeBinary("prometheus", "prometheus, version 3.5.0 (branch: HEAD)");
    const notExecutable = path.join(binDir, "prometheus-copy");
    await writeFile(notExecutable, "#!/bin/sh\necho 'prometheus, version 3.5.0 (branch: HEAD)'\n", { mode: 0o644 });

    const plans = await planLocal(specs, { bins: { prometheus: notExecutable } });

    expect(planOf(plans, "prometheus")).toEqual({ ...base("prometheus"), title: "Prometheus", mode: "unavailable", reason: `--bin prometheus=${notExecutable} is not an executable file` });
  });

  it("should stand VictoriaMetrics in for Mimir when mimir is absent and victoria-metrics is on PATH", async () => {
    const binary = await fakeBinary("victoria-metrics", "victoria-metrics-20250620-101010-tags-v1.120.0-0-g0123456789");

    const plans = await planLocal(specs);

    expect(planOf(plans, "mimir")).toEqual({
      ...base("mimir"),
      title: "Grafana Mimir",
      mode: "substitute",
      substitute: "victoria-metrics",
      binary,
      binaryVersion: "1.120.0",
      describe: componentDef("mimir").substitutes![0]!.describe,
      reason: "no mimir on PATH (name one with --bin mimir=PATH)",
    });
  });

  it("should name the substitutes it tried when neither mimir nor victoria-metrics is on PATH", async () => {
    const plans = await planLocal(specs);

    expect(planOf(plans, "mimir")).toEqual({ ...base("mimir"), title: "Grafana Mimir", mode: "unavailable", reason: "no mimir on PATH (name one with --bin mimir=PATH); no substitute either (victoria-metrics or victoria-metrics-prod)" });
  });

  it("should mark kube-state-metrics unavailable with its blocker even when its binary is on PATH", async () => {
    const binary = await fakeBinary("kube-state-metrics", "kube-state-metrics, version v2.16.0 (branch: HEAD)");

    const plans = await planLocal(specs);

    expect(planOf(plans, "kube-state-metrics")).toEqual({
      ...base("kube-state-metrics"),
      title: "kube-state-metrics",
      mode: "unavailable",
      reason: `${binary} found, but it watches a Kubernetes API server, and the local runtime has none (use --runtime k3s or cluster)`,
    });
  });

  it("should stand the built-in reference sink in for Loki, naming the --bin flag, when no loki is on PATH", async () => {
    const plans = await planLocal(specs);

    expect(planOf(plans, "loki")).toEqual({
      ...base("loki"), title: "Grafana Loki", mode: "substitute", substitute: "loki-reference-sink", binary: process.execPath, binaryVersion: OBSCONF_VERSION,
      describe: componentDef("loki").substitutes![0]!.describe, reason: "no loki on PATH (name one with --bin loki=PATH)",
    });
  });

  it("should mark Promtail unavailable, naming the --bin flag, when no promtail is on PATH (it has no stand-in)", async () => {
    const plans = await planLocal(specs);

    expect(planOf(plans, "promtail")).toEqual({ ...base("promtail"), title: "Promtail", mode: "unavailable", reason: "no promtail on PATH (name one with --bin promtail=PATH)" });
  });
});
