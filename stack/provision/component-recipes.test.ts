import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../components/index.ts";
import { extractComponents, type ComponentSpec } from "../manifest/component-spec.ts";
import { loadManifests } from "../manifest/load-manifests.ts";
import { lockedVersion } from "./build-recipe.ts";
import { prometheusModuleVersion, RECIPES, TOOLS_DIR } from "./component-recipes.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../manifests");

describe("component recipes", () => {
  let specs: ComponentSpec[];
  beforeAll(async () => {
    specs = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES);
  });

  it.each([
    ["v3.5.0", "v0.305.0"],
    ["3.10.2", "v0.310.2"],
    ["v2.53.1", "v0.53.1"],
  ])("should map Prometheus %s to the module version %s the Go proxy serves", (tag, version) => {
    expect(prometheusModuleVersion(tag)).toBe(version);
  });

  it("should refuse a Prometheus tag that is not a version", () => {
    expect(() => prometheusModuleVersion("latest")).toThrow('prometheus image tag: expected a version tag like v1.2.3, saw "latest"');
  });

  it("should lock, in each committed go.mod, the module version the manifest pins (the provisioner builds the pin either way)", async () => {
    for (const recipe of RECIPES) {
      if (recipe.kind !== "go") continue;
      const tag = specs.find((s) => s.name === recipe.component)!.image.tag;
      const goMod = await readFile(path.join(TOOLS_DIR, recipe.moduleDir, "go.mod"), "utf8");
      expect({ component: recipe.component, locked: lockedVersion(goMod, recipe.module) }).toEqual({
        component: recipe.component,
        locked: recipe.moduleVersion(tag),
      });
    }
  });

  it("should read the required version from a go.mod in single-line and block form", () => {
    expect(lockedVersion("module x\n\nrequire github.com/a/b v1.2.3\n", "github.com/a/b")).toBe("v1.2.3");
    expect(lockedVersion("module x\n\nrequire (\n\tgithub.com/a/b/c v9.9.9\n\tgithub.com/a/b v1.2.4 // indirect\n)\n", "github.com/a/b")).toBe("v1.2.4");
    expect(lockedVersion("module x\n", "github.com/a/b")).toBeUndefined();
  });

  it("should list in the collector's builder manifest exactly the components the manifest's collector config uses", async () => {
    const collector = specs.find((s) => s.name === "otel-collector")!;
    const file = collector.container.mounts.flatMap((m) => (m.kind === "config" ? m.files : [])).find((f) => f.path.endsWith("config.yaml"))!;
    const config = parse(file.content) as Record<string, Record<string, unknown> | undefined>;
    const pipelines = (config.service as { pipelines: Record<string, Record<string, string[]>> }).pipelines;
    const used = (kind: "receivers" | "processors" | "exporters") =>
      new Set(
        Object.values(pipelines)
          .flatMap((p) => p[kind] ?? [])
          .map((id) => id.split("/")[0]!),
      );
    const extensions = new Set(((config.service as { extensions?: string[] }).extensions ?? []).map((id) => id.split("/")[0]!));
    const builder = parse(await readFile(path.join(TOOLS_DIR, "otel-collector", "builder-config.yaml"), "utf8")) as Record<string, { gomod: string }[]>;
    // Module directory -> component type: otlpreceiver -> otlp, memorylimiterprocessor -> memory_limiter, ...
    const TYPE_OF: Record<string, string> = {
      healthcheckextension: "health_check",
      memorylimiterprocessor: "memory_limiter",
      tailsamplingprocessor: "tail_sampling",
    };
    const built = (kind: string, suffix: string) =>
      new Set(
        (builder[kind] ?? []).map((m) => {
          const dir = m.gomod.split(" ")[0]!.split("/").pop()!;
          return TYPE_OF[dir] ?? dir.replace(new RegExp(`${suffix}$`), "");
        }),
      );
    expect({
      receivers: [...built("receivers", "receiver")].sort(),
      processors: [...built("processors", "processor")].sort(),
      exporters: [...built("exporters", "exporter")].sort(),
      extensions: [...built("extensions", "extension")].sort(),
    }).toEqual({
      receivers: [...used("receivers")].sort(),
      processors: [...used("processors")].sort(),
      exporters: [...used("exporters")].sort(),
      extensions: [...extensions].sort(),
    });
    for (const kind of ["receivers", "processors", "exporters", "extensions"])
      for (const m of builder[kind] ?? []) expect(m.gomod).toMatch(/ v\{\{version\}\}$/);
  });

  it("should take every version from the manifest: no recipe input names one", async () => {
    for (const recipe of RECIPES) {
      if (recipe.kind === "go") continue;
      let text = await readFile(path.join(TOOLS_DIR, recipe.inputs[0]!), "utf8");
      // The POM format's own version (modelVersion, the schema's name) is not Kafka's.
      if (recipe.kind === "maven") text = text.replaceAll(/POM\/4\.0\.0|maven-4\.0\.0\.xsd|<modelVersion>4\.0\.0<\/modelVersion>/g, "");
      const tag = specs.find((s) => s.name === recipe.component)!.image.tag.replace(/^v/, "");
      expect({ component: recipe.component, restates: text.includes(tag) }).toEqual({ component: recipe.component, restates: false });
    }
    const pom = await readFile(path.join(TOOLS_DIR, "kafka", "pom.xml"), "utf8");
    expect(pom).not.toMatch(/<kafka\.version>/);
  });
});
