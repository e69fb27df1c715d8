import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { InputError } from "../../common/errors.ts";
import { COMPONENT_NAMES } from "../components/index.ts";
import { at, extractComponents, flagValue, type ComponentSpec } from "../manifest/component-spec.ts";
import { displayPath, loadManifests, type ManifestSet } from "../manifest/load-manifests.ts";
import { adaptPrometheusConfig } from "../components/prometheus-local-config.ts";
import { rewriteMountPaths } from "../runtimes/local/loopback-rewrite.ts";
import { localServicesOf } from "../runtimes/local/local-services.ts";
import { findBinary } from "../runtimes/local/find-binary.ts";
import { lookupProvisioned } from "../provision/provision-cache.ts";
import { checkFlagValues } from "./flag-values.ts";
import { runTool } from "./run-tool.ts";

export type ValidationStatus = "pass" | "fail" | "unsupported";
export interface ValidationCheck {
  id: string;
  title: string;
  status: ValidationStatus;
  detail: string;
}

export interface ValidateOptions {
  manifestsDir: string;
  /** The rule unit tests to run (`obsconf validate`); absent: none (the static check before a run). */
  ruleTestsDir?: string;
  bins?: Readonly<Record<string, string>>;
}

/**
 * `obsconf validate`: schema and reference checks (a violation is an InputError, exit 2), then each
 * component's own checker on its embedded config where the tool is installed. A config the checker
 * rejects is bad input (InputError naming the ConfigMap key); failing rule unit tests are a failed
 * check; a missing tool is `unsupported`, never `pass`.
 */
export async function validateStack(options: ValidateOptions): Promise<ValidationCheck[]> {
  const set = await loadManifests(options.manifestsDir);
  const specs = extractComponents(set, COMPONENT_NAMES);
  const checks: ValidationCheck[] = [
    {
      id: "manifests.schema",
      title: "manifests parse and match their kinds' schemas",
      status: "pass",
      detail: `${set.objects.length} objects in ${new Set(set.objects.map((o) => o.file)).size} files`,
    },
    { id: "manifests.components", title: "every component of the stack has a workload", status: "pass", detail: "" },
  ];
  const missing = COMPONENT_NAMES.filter((name) => !specs.some((s) => s.name === name));
  if (missing.length)
    throw new InputError(
      { file: displayPath(set.kustomizationFile), field: "resources" },
      `manifests for all ${COMPONENT_NAMES.length} components (${COMPONENT_NAMES.join(", ")})`,
      `none for ${missing.join(", ")}`,
    );
  checks[1]!.detail = specs.map((s) => `${s.name} ${s.image.tag}`).join(", ");
  for (const spec of specs) checkFlagValues(spec);
  checks.push({
    id: "manifests.flags",
    title: "flag values of their kind (durations, sizes, ports, listen addresses, booleans)",
    status: "pass",
    detail: `${specs.reduce((n, s) => n + s.container.args.length, 0)} args`,
  });

  const work = await mkdtemp(path.join(tmpdir(), "obsconf-validate-"));
  try {
    const prometheus = specs.find((s) => s.name === "prometheus")!;
    const alertmanager = specs.find((s) => s.name === "alertmanager")!;
    // The checkers of the pinned versions when provisioned (obsconf setup components), else PATH's.
    const promtool = await findBinary(
      ["promtool"],
      options.bins?.promtool ?? (await provisionedTool(prometheus, "promtool")),
      ["--version"],
      /version (\d+\.\d+\.\d+)/,
    );
    const amtool = await findBinary(
      ["amtool"],
      options.bins?.amtool ?? (await provisionedTool(alertmanager, "amtool")),
      ["--version"],
      /version (\d+\.\d+\.\d+)/,
    );
    // Checked as the local runtime runs it: Debian's Prometheus is built without Kubernetes SD,
    // so discovery becomes static groups with the same __meta_kubernetes_* labels (see adaptPrometheusConfig).
    const services = specs.flatMap((s) => localServicesOf(s, (port) => port));
    const promFs = await materialize(prometheus, path.join(work, "prometheus"), (text) =>
      adaptPrometheusConfig(text, { services, pods: [], podLogDir: "/var/log/pods", note: () => {} }),
    );
    const amFs = await materialize(alertmanager, path.join(work, "alertmanager"));
    if (!promtool) {
      for (const id of ["prometheus.config", "prometheus.rules", "prometheus.rule-tests"])
        checks.push({
          id,
          title: `promtool ${id.split(".")[1]}`,
          status: "unsupported",
          detail: "promtool is not on PATH (Debian: apt-get install prometheus)",
        });
    } else {
      checks.push(await checkPrometheusConfig(set, prometheus, promtool.path, promFs));
      checks.push(await checkRules(set, prometheus, promtool.path, promFs));
      if (options.ruleTestsDir) checks.push(await runRuleTests(promtool.path, promFs, options.ruleTestsDir, path.join(work, "rule-tests")));
    }
    if (!amtool)
      checks.push({
        id: "alertmanager.config",
        title: "amtool check-config",
        status: "unsupported",
        detail: "amtool is not on PATH (Debian: apt-get install prometheus-alertmanager)",
      });
    else checks.push(await checkAlertmanagerConfig(set, alertmanager, amtool.path, amFs));
    const collector = specs.find((s) => s.name === "otel-collector")!;
    const otelcol = options.bins?.["otel-collector"] ?? (await provisionedTool(collector, "otelcol-contrib"));
    if (!otelcol)
      checks.push({
        id: "otel-collector.config",
        title: "otelcol validate",
        status: "unsupported",
        detail: "no collector at the pinned version here (obsconf setup components builds it, or --bin otel-collector=PATH)",
      });
    else checks.push(await checkCollectorConfig(set, collector, otelcol, await materialize(collector, path.join(work, "otel-collector"))));
    const others = ["mimir", "loki", "promtail", "vector", "tempo", "grafana"];
    checks.push({
      id: "others.config",
      title: "other components' own config checks",
      status: "unsupported",
      detail: `validate runs no checker for ${others.join(", ")}; each binary checks its config when it starts (obsconf up)`,
    });
    return checks;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The collector's own check (`otelcol validate`): every component the config names exists in this build and accepts its settings. */
async function checkCollectorConfig(set: ManifestSet, spec: ComponentSpec, otelcol: string, fs: MaterializedFs): Promise<ValidationCheck> {
  const configPath = flagValue(spec, "--config") ?? "/etc/otelcol-contrib/config.yaml";
  const local = fs.files.get(configPath);
  if (!local)
    throw new InputError(
      { file: spec.source.file, document: spec.source.document, field: "spec.template.spec.containers[0].args" },
      `--config naming a mounted ConfigMap file (${[...fs.files.keys()].join(", ")})`,
      JSON.stringify(configPath),
    );
  const run = await runTool(otelcol, ["validate", `--config=${local}`]);
  if (run.code !== 0)
    throw toolError(
      sourceOf(set, spec, configPath),
      "otelcol validate",
      run.output
        .split("\n")
        .filter((l) => /^Error: /.test(l))
        .join("\n") || run.output,
      fs.root,
    );
  return { id: "otel-collector.config", title: "otelcol validate", status: "pass", detail: `${path.basename(configPath)} accepted by ${otelcol}` };
}

interface MaterializedFs {
  root: string;
  mounts: { containerPath: string; localPath: string }[];
  /** container path -> local path of each config file. */
  files: Map<string, string>;
}

/** Writes a component's ConfigMap and Secret files under `root`, mirroring container paths. */
async function materialize(spec: ComponentSpec, root: string, adapt: (text: string) => string = (t) => t): Promise<MaterializedFs> {
  const mounts = spec.container.mounts.map((m) => ({ containerPath: m.mountPath, localPath: m.kind === "host" ? m.hostPath : path.join(root, m.mountPath) }));
  const files = new Map<string, string>();
  for (const mount of spec.container.mounts) {
    if (mount.kind === "host") continue;
    if (mount.kind !== "config") {
      await mkdir(path.join(root, mount.mountPath), { recursive: true });
      continue;
    }
    for (const file of mount.files) {
      const local = path.join(root, file.path);
      await mkdir(path.dirname(local), { recursive: true });
      const content = rewriteMountPaths(file.content, mounts);
      await writeFile(local, /kubernetes_sd_configs/.test(content) ? adapt(content) : content);
      files.set(file.path, local);
    }
  }
  return { root, mounts, files };
}

/** Where a container file came from, for error locations: the ConfigMap document and its key. */
function sourceOf(set: ManifestSet, spec: ComponentSpec, containerPath: string) {
  for (const mount of spec.container.mounts) {
    if (mount.kind !== "config") continue;
    const file = mount.files.find((f) => f.path === containerPath);
    if (!file) continue;
    const object = set.objects.find((o) => o.object.kind === mount.from.kind && o.object.metadata.name === mount.from.name)!;
    return at(object, `${mount.from.kind === "Secret" ? "stringData" : "data"}["${file.key}"]`);
  }
  return { file: spec.source.file, document: spec.source.document, field: "spec.template.spec.containers[0].args" };
}

function toolError(where: ReturnType<typeof sourceOf>, tool: string, output: string, fsRoot: string): InputError {
  // amtool prints its reason on the `Checking '<file>'  FAILED: ...` line itself; keep the reason, drop the prefix.
  const seen = output
    .split(fsRoot)
    .join("")
    .split("\n")
    .map((l) => l.replace(/^Checking \S+\s*/, "").trim())
    .filter((l) => l && !/^SUCCESS/.test(l))
    .slice(0, 6)
    .join(" | ");
  return new InputError(where, `a config that ${tool} accepts`, JSON.stringify(seen));
}

async function checkPrometheusConfig(set: ManifestSet, spec: ComponentSpec, promtool: string, fs: MaterializedFs): Promise<ValidationCheck> {
  const configPath = flagValue(spec, "--config.file");
  const local = configPath && fs.files.get(configPath);
  if (!configPath || !local)
    throw new InputError(
      { ...at(set.objects.find((o) => o.file === spec.source.file && o.document === spec.source.document)!, "spec.template.spec.containers[0].args") },
      "--config.file=<path of a mounted ConfigMap key>",
      JSON.stringify(configPath ?? "no --config.file flag"),
    );
  const run = await runTool(promtool, ["check", "config", "--syntax-only", local]);
  if (run.code !== 0) throw toolError(sourceOf(set, spec, configPath), "promtool check config", run.output, fs.root);
  return {
    id: "prometheus.config",
    title: "promtool check config",
    status: "pass",
    detail: `${lastLine(run.output, fs.root)} (Kubernetes SD checked as the local runtime's static groups)`,
  };
}

async function checkRules(set: ManifestSet, spec: ComponentSpec, promtool: string, fs: MaterializedFs): Promise<ValidationCheck> {
  const ruleFiles = [...fs.files].filter(([containerPath]) => /rules?\b.*\.ya?ml$/.test(containerPath) && !/prometheus\.ya?ml$/.test(containerPath));
  let total = 0;
  for (const [containerPath, local] of ruleFiles) {
    const run = await runTool(promtool, ["check", "rules", local]);
    if (run.code !== 0) throw toolError(sourceOf(set, spec, containerPath), "promtool check rules", run.output, fs.root);
    total += Number(/(\d+) rules found/.exec(run.output)?.[1] ?? 0);
  }
  return { id: "prometheus.rules", title: "promtool check rules", status: "pass", detail: `${ruleFiles.length} rule files, ${total} rules` };
}

async function runRuleTests(promtool: string, fs: MaterializedFs, testsDir: string, work: string): Promise<ValidationCheck> {
  await mkdir(work, { recursive: true });
  const tests = (await readdir(testsDir).catch(() => [])).filter((f) => /\.ya?ml$/.test(f)).sort();
  if (tests.length === 0)
    return { id: "prometheus.rule-tests", title: "promtool test rules", status: "fail", detail: `no rule unit tests in ${displayPath(testsDir)}` };
  for (const [containerPath, local] of fs.files) if (/\.ya?ml$/.test(containerPath)) await copyFile(local, path.join(work, path.basename(containerPath)));
  for (const test of tests) await copyFile(path.join(testsDir, test), path.join(work, test));
  const run = await runTool(promtool, ["test", "rules", ...tests], { cwd: work });
  const failed = run.code !== 0;
  return {
    id: "prometheus.rule-tests",
    title: "promtool test rules",
    status: failed ? "fail" : "pass",
    detail: failed ? run.output.split(work).join("").split("\n").slice(0, 20).join("\n") : `${tests.length} test files: ${tests.join(", ")}`,
  };
}

async function checkAlertmanagerConfig(set: ManifestSet, spec: ComponentSpec, amtool: string, fs: MaterializedFs): Promise<ValidationCheck> {
  const configPath = flagValue(spec, "--config.file");
  const local = configPath && fs.files.get(configPath);
  if (!configPath || !local)
    throw new InputError(
      { file: spec.source.file, document: spec.source.document, field: "spec.template.spec.containers[0].args" },
      "--config.file=<path of a mounted ConfigMap key>",
      JSON.stringify(configPath ?? "no --config.file flag"),
    );
  const run = await runTool(amtool, ["check-config", local]);
  if (run.code !== 0) throw toolError(sourceOf(set, spec, configPath), "amtool check-config", run.output, fs.root);
  const receivers = /(\d+) receivers/.exec(run.output)?.[1];
  return {
    id: "alertmanager.config",
    title: "amtool check-config",
    status: "pass",
    detail: receivers ? `${receivers} receivers` : lastLine(run.output, fs.root),
  };
}

function lastLine(output: string, root: string): string {
  return (output.split(root).join("").trim().split("\n").pop() ?? "").trim();
}

/** A tool built with a component at the manifest's version (promtool with Prometheus), when the cache holds it. */
async function provisionedTool(spec: ComponentSpec, binary: string): Promise<string | undefined> {
  const cached = await lookupProvisioned(spec.name, spec.image.tag);
  const relative = cached?.state === "ready" ? cached.provenance.binaries[binary] : undefined;
  return relative && cached ? path.join(cached.dir, relative) : undefined;
}
