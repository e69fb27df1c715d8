import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { HarnessError } from "../../common/errors.ts";
import type { Logger } from "../../common/log.ts";
import type { CollectorRecipe, ComponentRecipe, GoRecipe, MavenRecipe } from "./component-recipes.ts";
import { jarVersion } from "./provision-cache.ts";
import { runStep } from "./run-step.ts";
import type { Toolchain, ToolLookup } from "./toolchain.ts";

export interface BuildContext {
  recipe: ComponentRecipe;
  tag: string;
  /** Scratch directory of this build (removed by the caller). */
  buildDir: string;
  /** Where the builder keeps tools it installs once per version (the collector builder). */
  toolsCacheDir: string;
  toolsDir: string;
  toolchain: Toolchain;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  label: string;
  /** Bound on each step. */
  stepTimeoutMs: number;
}

/** What a build leaves in `buildDir` for the cache: a `bin/` or `libs/` directory and how it was made. */
export interface BuildResult {
  /** Directories under buildDir to move into the cache dir. */
  outputs: readonly string[];
  binaries: Record<string, string>;
  toolchain: string;
}

export async function buildRecipe(context: BuildContext): Promise<BuildResult> {
  switch (context.recipe.kind) {
    case "go":
      return buildGo(context, context.recipe);
    case "collector":
      return buildCollector(context, context.recipe);
    case "maven":
      return fetchMaven(context, context.recipe);
  }
}

function need(tool: ToolLookup, what: string): string {
  if (!tool.ok) throw new HarnessError(`${what}: ${tool.reason}`);
  return tool.path;
}

function goEnv(context: BuildContext): NodeJS.ProcessEnv {
  // Never fetch another Go toolchain; static binaries like upstream's release builds; no VCS stamping of a scratch dir.
  return { ...context.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: [context.env.GOFLAGS, "-buildvcs=false"].filter(Boolean).join(" ") };
}

async function buildGo(context: BuildContext, recipe: GoRecipe): Promise<BuildResult> {
  const go = need(context.toolchain.go, "go");
  const env = goEnv(context);
  const moduleDir = path.join(context.buildDir, "module");
  await mkdir(moduleDir, { recursive: true });
  for (const input of recipe.inputs) await copyFile(path.join(context.toolsDir, input), path.join(moduleDir, path.basename(input)));
  const version = recipe.moduleVersion(context.tag);
  const step = (what: string, args: readonly string[], lowPriority = true) =>
    runStep({ label: context.label, what, command: go, args, cwd: moduleDir, env, logger: context.logger, lowPriority, timeoutMs: context.stepTimeoutMs });
  const locked = lockedVersion(await readFile(path.join(moduleDir, "go.mod"), "utf8"), recipe.module);
  await step(`go mod edit -require=${recipe.module}@${version}`, ["mod", "edit", `-require=${recipe.module}@${version}`], false);
  if (locked !== version) {
    context.logger.info(
      `${context.label}: tools/components/${recipe.moduleDir}/go.mod locks ${recipe.module}@${locked ?? "nothing"}, the manifest pins ${version}: resolving ${version} now (commit the updated go.mod/go.sum, and check the upstream go.mod's replace/exclude lines, to lock it)`,
    );
    await step("go mod tidy (resolve the pinned version's dependencies)", ["mod", "tidy"]);
  }
  const buildArgs = [
    "build",
    "-trimpath",
    `-ldflags=-s -w ${Object.entries(recipe.versionFlags(context.tag))
      .map(([name, value]) => `-X ${name}=${value}`)
      .join(" ")}`,
  ];
  if (recipe.overlays?.length) {
    await step("go mod vendor (the build tree the overlay applies to)", ["mod", "vendor"]);
    const replace = Object.fromEntries(
      recipe.overlays.map((o) => [path.join(moduleDir, "vendor", recipe.module, o.replaces), path.join(moduleDir, path.basename(o.file))]),
    );
    await writeFile(path.join(moduleDir, "overlay.json"), JSON.stringify({ Replace: replace }));
    buildArgs.push("-mod=vendor", `-overlay=${path.join(moduleDir, "overlay.json")}`);
    for (const o of recipe.overlays) context.logger.info(`${context.label}: build-time overlay: ${recipe.module}/${o.replaces} <- tools/components/${o.file}`);
  }
  const binDir = path.join(context.buildDir, "bin");
  await mkdir(binDir, { recursive: true });
  await step(`go build ${recipe.packages.map((p) => p.pkg).join(" ")} (modules from the Go module proxy on first use)`, [
    ...buildArgs,
    "-o",
    `${binDir}/`,
    ...recipe.packages.map((p) => p.pkg),
  ]);
  return {
    outputs: ["bin"],
    binaries: Object.fromEntries(recipe.packages.map((p) => [p.binary, `bin/${p.binary}`])),
    toolchain: context.toolchain.go.ok ? context.toolchain.go.version : "go",
  };
}

/** The version of `module` a go.mod requires (single-line or block form). */
export function lockedVersion(goMod: string, module: string): string | undefined {
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod)?.[1];
}

async function buildCollector(context: BuildContext, recipe: CollectorRecipe): Promise<BuildResult> {
  const go = need(context.toolchain.go, "go");
  const env = goEnv(context);
  const builderVersion = recipe.builderVersion(context.tag);
  const builderDir = path.join(context.toolsCacheDir, "ocb", builderVersion);
  const builder = path.join(builderDir, "builder");
  const step = (what: string, command: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    runStep({
      label: context.label,
      what,
      command,
      args,
      cwd: context.buildDir,
      env: { ...env, ...extraEnv },
      logger: context.logger,
      lowPriority: true,
      timeoutMs: context.stepTimeoutMs,
    });
  try {
    await readFile(builder);
    context.logger.info(`${context.label}: collector builder ${builderVersion}: cached (${builder})`);
  } catch {
    await mkdir(builderDir, { recursive: true });
    await step(`go install ${recipe.builderModule}@${builderVersion}`, go, ["install", `${recipe.builderModule}@${builderVersion}`], { GOBIN: builderDir });
  }
  const template = await readFile(path.join(context.toolsDir, recipe.builderConfig), "utf8");
  const doc = parseDocument(template.replaceAll("{{version}}", context.tag.replace(/^v/, "")));
  const distDir = path.join(context.buildDir, "dist");
  doc.setIn(["dist", "output_path"], distDir);
  doc.setIn(["dist", "go"], go);
  const config = path.join(context.buildDir, "builder-config.yaml");
  await writeFile(config, doc.toString());
  await step(`ocb --config=builder-config.yaml (generate, go mod tidy and go build ${recipe.binary}; modules from the Go module proxy on first use)`, builder, [
    `--config=${config}`,
  ]);
  const binDir = path.join(context.buildDir, "bin");
  await mkdir(binDir, { recursive: true });
  await rename(path.join(distDir, recipe.binary), path.join(binDir, recipe.binary));
  await rm(distDir, { recursive: true, force: true });
  return {
    outputs: ["bin"],
    binaries: { [recipe.binary]: `bin/${recipe.binary}` },
    toolchain: `${context.toolchain.go.ok ? context.toolchain.go.version : "go"}, ocb ${builderVersion}`,
  };
}

async function fetchMaven(context: BuildContext, recipe: MavenRecipe): Promise<BuildResult> {
  const mvn = need(context.toolchain.mvn, "mvn");
  const libs = path.join(context.buildDir, "libs");
  const version = context.tag.replace(/^v/, "");
  await runStep({
    label: context.label,
    what: `mvn dependency:copy-dependencies (${recipe.describe(context.tag)})`,
    command: mvn,
    args: [
      "-B",
      "-q",
      "-f",
      path.join(context.toolsDir, recipe.pom),
      `-D${recipe.versionProperty}=${version}`,
      "dependency:copy-dependencies",
      "-DincludeScope=runtime",
      `-DoutputDirectory=${libs}`,
    ],
    cwd: context.buildDir,
    env: context.env,
    logger: context.logger,
    lowPriority: true,
    timeoutMs: context.stepTimeoutMs,
  });
  const found = await jarVersion(libs, recipe.mainJar);
  if (found !== version) throw new HarnessError(`${context.label}: expected ${recipe.mainJar.source} at ${version} in ${libs}, saw ${found ?? "no such jar"}`);
  return { outputs: ["libs"], binaries: {}, toolchain: context.toolchain.mvn.ok ? context.toolchain.mvn.version : "mvn" };
}
