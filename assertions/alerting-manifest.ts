import { parse as parseYaml } from "yaml";
import { parseDurationMs } from "../common/duration.ts";
import { COMPONENT_NAMES } from "../stack/components/index.ts";
import { extractComponents, flagValue, type ComponentSpec, type MountSpec } from "../stack/manifest/component-spec.ts";
import type { ManifestSet } from "../stack/manifest/load-manifests.ts";
import { parseAlertmanagerConfig, type AlertmanagerConfig } from "./checks/alertmanager-routing.ts";

/**
 * What the manifests (as written, before any runtime override or the harness's re-pointing of
 * receivers) say about alerting: Alertmanager's config and mounts, and Prometheus' alerting rules as
 * its `rule_files` load them, with its external labels. Pure over a loaded ManifestSet.
 */
export interface AlertmanagerManifest {
  config: AlertmanagerConfig;
  /** The config file inside the container (`--config.file`). */
  configPath: string;
  /** Where the config is written: `stack/manifests/alertmanager.yaml (ConfigMap alertmanager-config, key alertmanager.yml)`. */
  source: string;
  /** The alertmanager container's mounts (Secret and ConfigMap files with their container paths). */
  mounts: readonly MountSpec[];
}

export interface ManifestAlertRule {
  name: string;
  /** The rule file's base name, e.g. `seed.rules.yml`. */
  file: string;
  group: string;
  /** The rule's static labels (`labels:`), as written. */
  labels: Readonly<Record<string, string>>;
  forMs: number;
  expr: string;
  /** `stack/manifests/prometheus.yaml (ConfigMap prometheus-rules, key seed.rules.yml)`. */
  source: string;
}

export interface PrometheusRulesManifest {
  externalLabels: Readonly<Record<string, string>>;
  ruleFileGlobs: readonly string[];
  /** Every alerting rule in the files `rule_files` matches, in file and group order. */
  rules: readonly ManifestAlertRule[];
  /** Container paths of the rule files loaded. */
  files: readonly string[];
}

export class AlertingManifestError extends Error {}

export function alertmanagerManifest(set: ManifestSet): AlertmanagerManifest | undefined {
  const found = configFileOf(set, "alertmanager", "/etc/alertmanager/alertmanager.yml");
  if (!found) return undefined;
  const { spec, configPath, file } = found;
  return { config: parseAlertmanagerConfig(file.content), configPath, source: file.source, mounts: spec.container.mounts };
}

export function prometheusRulesManifest(set: ManifestSet): PrometheusRulesManifest | undefined {
  const found = configFileOf(set, "prometheus", "/etc/prometheus/prometheus.yml");
  if (!found) return undefined;
  const { spec, configPath, file } = found;
  const config = (parseYaml(file.content) ?? {}) as { global?: { external_labels?: Record<string, unknown> }; rule_files?: unknown[] };
  const externalLabels = Object.fromEntries(Object.entries(config.global?.external_labels ?? {}).map(([k, v]) => [k, String(v)]));
  const configDir = configPath.slice(0, configPath.lastIndexOf("/"));
  const ruleFileGlobs = (config.rule_files ?? []).map(String);
  const patterns = ruleFileGlobs.map((g) => globRegex(g.startsWith("/") ? g : `${configDir}/${g}`));
  const files = allMountedFiles(set, spec)
    .filter((f) => patterns.some((re) => re.test(f.path)))
    .sort((a, b) => a.path.localeCompare(b.path));
  const rules = files.flatMap((f) => alertingRules(f.content, f.path.slice(f.path.lastIndexOf("/") + 1), f.source));
  return { externalLabels, ruleFileGlobs, rules, files: files.map((f) => f.path) };
}

/** The alerting rules of one Prometheus rule file (`groups[].rules[]` with `alert:`). */
export function alertingRules(text: string, file: string, source: string): ManifestAlertRule[] {
  const doc = (parseYaml(text) ?? {}) as { groups?: { name?: unknown; rules?: Record<string, unknown>[] }[] };
  return (doc.groups ?? []).flatMap((g) =>
    (g.rules ?? [])
      .filter((r) => typeof r.alert === "string")
      .map((r) => ({
        name: String(r.alert),
        file,
        group: String(g.name ?? ""),
        labels: Object.fromEntries(Object.entries((r.labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
        forMs: r.for === undefined ? 0 : (parseDurationMs(String(r.for)) ?? 0),
        expr: String(r.expr ?? "").trim(),
        source,
      })),
  );
}

/** Go's `filepath.Match` pattern as an anchored regex (`*` and `?` never cross `/`). */
export function globRegex(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) {
        out += "\\[";
        continue;
      }
      const body = glob.slice(i + 1, end).replace(/^\^/, "!");
      out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else if (ch === "\\" && i + 1 < glob.length) out += `\\${glob[++i]}`;
    else out += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/**
 * A component's config file: its `--config.file` (or the image's default path), which must be a file
 * mounted from a ConfigMap or Secret. Undefined when the manifests have no such component.
 */
function configFileOf(set: ManifestSet, name: string, defaultPath: string): { spec: ComponentSpec; configPath: string; file: MountedFile } | undefined {
  const spec = extractComponents(set, COMPONENT_NAMES).find((c) => c.name === name);
  if (!spec) return undefined;
  const configPath = flagValue(spec, "--config.file") ?? defaultPath;
  const file = mountedFile(set, spec, configPath);
  if (!file)
    throw new AlertingManifestError(
      `${spec.source.file}: the ${name} container's --config.file ${configPath} is not a file mounted from a ConfigMap or Secret`,
    );
  return { spec, configPath, file };
}

interface MountedFile {
  path: string;
  content: string;
  source: string;
}

function allMountedFiles(set: ManifestSet, spec: ComponentSpec): MountedFile[] {
  return spec.container.mounts.flatMap((m) => {
    if (m.kind !== "config") return [];
    const object = set.objects.find((o) => o.object.kind === m.from.kind && o.object.metadata.name === m.from.name);
    return m.files.map((f) => ({ path: f.path, content: f.content, source: `${object?.file ?? "manifests"} (${m.from.kind} ${m.from.name}, key ${f.key})` }));
  });
}

function mountedFile(set: ManifestSet, spec: ComponentSpec, path: string): MountedFile | undefined {
  return allMountedFiles(set, spec).find((f) => f.path === path);
}
