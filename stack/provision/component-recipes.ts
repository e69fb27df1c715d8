import { fileURLToPath } from "node:url";

/**
 * How each real component is provisioned at the version stack/manifests pins (DESIGN.md, "Where each
 * real component comes from"). The version is never written here: every recipe maps the manifest's
 * image tag to what its registry calls that version. The project-owned inputs (a Go module, a
 * builder manifest, a pom) live in `tools/components/<component>/`.
 */
export type ComponentRecipe = GoRecipe | CollectorRecipe | MavenRecipe;

interface RecipeBase {
  component: string;
  /** One line for plans and logs: where the component comes from. */
  describe(tag: string): string;
  /** Project-owned inputs, relative to `tools/components/` (their content keys the cache). */
  inputs: readonly string[];
}

/** Built with `go build` from a project-owned module that requires the upstream module. */
export interface GoRecipe extends RecipeBase {
  kind: "go";
  /** Directory of the project-owned module, relative to `tools/components/`. */
  moduleDir: string;
  /** The upstream module and the version of it a manifest tag names. */
  module: string;
  moduleVersion(tag: string): string;
  /** Main packages built; the first is the component's binary. */
  packages: readonly { pkg: string; binary: string }[];
  /** `-X name=value` link flags that stamp the version `--version` prints. */
  versionFlags(tag: string): Readonly<Record<string, string>>;
  /**
   * Project files that stand in for upstream files at build time (`go build -overlay` over the vendored
   * copy; Go refuses overlays of files in the module cache). Paths: project file -> package-relative
   * path inside the upstream module.
   */
  overlays?: readonly { file: string; replaces: string }[];
}

/** Built with the OpenTelemetry Collector Builder at the pinned release from a project builder manifest. */
export interface CollectorRecipe extends RecipeBase {
  kind: "collector";
  builderConfig: string;
  builderModule: string;
  builderVersion(tag: string): string;
  binary: string;
}

/** Jars from Maven Central through a project pom (`mvn dependency:copy-dependencies`). */
export interface MavenRecipe extends RecipeBase {
  kind: "maven";
  pom: string;
  /** The pom property that receives the version. */
  versionProperty: string;
  /** The jar whose name carries the component's version (`kafka_2.13-4.0.0.jar`). */
  mainJar: RegExp;
}

/** `tools/components/` of this checkout. */
export const TOOLS_DIR = fileURLToPath(new URL("../../tools/components/", import.meta.url));

const semver = (tag: string, what: string): [number, number, number] => {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag);
  if (!m) throw new Error(`${what}: expected a version tag like v1.2.3, saw ${JSON.stringify(tag)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};
const vTag = (tag: string) => (tag.startsWith("v") ? tag : `v${tag}`);
const bare = (tag: string) => tag.replace(/^v/, "");
const commonVersion = (version: string) => ({
  "github.com/prometheus/common/version.Version": version,
  "github.com/prometheus/common/version.Branch": "HEAD",
  "github.com/prometheus/common/version.BuildUser": "obsconf-provision",
});

/**
 * Prometheus 3.x is published to the Go module proxy as v0.3xx.y (3.5.0 -> v0.305.0), 2.x as v0.xx.y
 * (2.53.0 -> v0.53.0): the proxy has no v2/v3 module path.
 */
export function prometheusModuleVersion(tag: string): string {
  const [major, minor, patch] = semver(tag, "prometheus image tag");
  if (major === 2) return `v0.${minor}.${patch}`;
  if (major >= 3) return `v0.${major * 100 + minor}.${patch}`;
  throw new Error(`prometheus image tag: expected version 2.x or later, saw ${JSON.stringify(tag)}`);
}

export const RECIPES: readonly ComponentRecipe[] = [
  {
    kind: "maven",
    component: "kafka",
    describe: (tag) => `org.apache.kafka:kafka_2.13:${bare(tag)} and its runtime dependencies from Maven Central`,
    inputs: ["kafka/pom.xml"],
    pom: "kafka/pom.xml",
    versionProperty: "kafka.version",
    mainJar: /^kafka_2\.13-(\d+\.\d+\.\d+)\.jar$/,
  },
  {
    kind: "go",
    component: "node-exporter",
    describe: (tag) => `github.com/prometheus/node_exporter@${vTag(tag)} from the Go module proxy`,
    inputs: ["node-exporter/go.mod", "node-exporter/go.sum"],
    moduleDir: "node-exporter",
    module: "github.com/prometheus/node_exporter",
    moduleVersion: vTag,
    packages: [{ pkg: "github.com/prometheus/node_exporter", binary: "node_exporter" }],
    versionFlags: (tag) => ({ ...commonVersion(bare(tag)), "github.com/prometheus/common/version.Revision": vTag(tag) }),
  },
  {
    kind: "go",
    component: "alertmanager",
    describe: (tag) => `github.com/prometheus/alertmanager@${vTag(tag)} (alertmanager, amtool) from the Go module proxy`,
    inputs: ["alertmanager/go.mod", "alertmanager/go.sum"],
    moduleDir: "alertmanager",
    module: "github.com/prometheus/alertmanager",
    moduleVersion: vTag,
    packages: [
      { pkg: "github.com/prometheus/alertmanager/cmd/alertmanager", binary: "alertmanager" },
      { pkg: "github.com/prometheus/alertmanager/cmd/amtool", binary: "amtool" },
    ],
    versionFlags: (tag) => ({ ...commonVersion(bare(tag)), "github.com/prometheus/common/version.Revision": vTag(tag) }),
  },
  {
    kind: "go",
    component: "kube-state-metrics",
    describe: (tag) => `k8s.io/kube-state-metrics/v2@${vTag(tag)} from the Go module proxy`,
    inputs: ["kube-state-metrics/go.mod", "kube-state-metrics/go.sum"],
    moduleDir: "kube-state-metrics",
    module: "k8s.io/kube-state-metrics/v2",
    moduleVersion: vTag,
    packages: [{ pkg: "k8s.io/kube-state-metrics/v2", binary: "kube-state-metrics" }],
    // Its Makefile stamps the tag with the leading v: `kube-state-metrics, version v2.16.0`.
    versionFlags: (tag) => ({ ...commonVersion(vTag(tag)), "github.com/prometheus/common/version.Revision": vTag(tag) }),
  },
  {
    kind: "go",
    component: "prometheus",
    describe: (tag) =>
      `github.com/prometheus/prometheus@${prometheusModuleVersion(tag)} (Prometheus ${bare(tag)}: prometheus, promtool; service discovery: kubernetes, file, http) from the Go module proxy`,
    inputs: ["prometheus/go.mod", "prometheus/go.sum", "prometheus/sd-plugins.go.in"],
    moduleDir: "prometheus",
    module: "github.com/prometheus/prometheus",
    moduleVersion: prometheusModuleVersion,
    packages: [
      { pkg: "github.com/prometheus/prometheus/cmd/prometheus", binary: "prometheus" },
      { pkg: "github.com/prometheus/prometheus/cmd/promtool", binary: "promtool" },
    ],
    versionFlags: (tag) => ({ ...commonVersion(bare(tag)), "github.com/prometheus/common/version.Revision": prometheusModuleVersion(tag) }),
    overlays: [{ file: "prometheus/sd-plugins.go.in", replaces: "plugins/plugins.go" }],
  },
  {
    kind: "collector",
    component: "otel-collector",
    describe: (tag) =>
      `OpenTelemetry Collector Builder ${vTag(tag)} with the contrib components at ${vTag(tag)} that the manifest's config uses (tools/components/otel-collector/builder-config.yaml)`,
    inputs: ["otel-collector/builder-config.yaml"],
    builderConfig: "otel-collector/builder-config.yaml",
    builderModule: "go.opentelemetry.io/collector/cmd/builder",
    builderVersion: vTag,
    binary: "otelcol-contrib",
  },
];

export function recipeFor(component: string): ComponentRecipe | undefined {
  return RECIPES.find((r) => r.component === component);
}

/** The binary a provisioned component runs (Kafka runs on `java` with its jars: none). */
export function mainBinaryOf(recipe: ComponentRecipe): string | undefined {
  switch (recipe.kind) {
    case "go":
      return recipe.packages[0]!.binary;
    case "collector":
      return recipe.binary;
    case "maven":
      return undefined;
  }
}
