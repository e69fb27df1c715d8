import { execFile } from "node:child_process";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { silentLogger, type Logger } from "../../common/log.ts";
import { COMPONENT_NAMES, componentDef } from "../components/index.ts";
import { extractComponents } from "../manifest/component-spec.ts";
import { loadManifests } from "../manifest/load-manifests.ts";
import { buildRecipe } from "./build-recipe.ts";
import { mainBinaryOf, RECIPES, TOOLS_DIR, type ComponentRecipe } from "./component-recipes.ts";
import { componentCacheDir, componentsCacheRoot, lookupProvisioned, recipeHash, type Provenance, type ProvisionFailure } from "./provision-cache.ts";
import { formatDuration } from "./run-step.ts";
import { findToolchain, type Toolchain } from "./toolchain.ts";

export interface ProvisionOptions {
  manifestsDir: string;
  /** Only these components (default: every component with a recipe). */
  only?: readonly string[];
  /** Cache root (default: componentsCacheRoot()). */
  root?: string;
  /** Project-owned recipe inputs (default: tools/components of this checkout). */
  toolsDir?: string;
  /** Toolchain to use (default: found on PATH); tests pass fakes. */
  toolchain?: Toolchain;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Rebuild even when the cache holds a current build. */
  force?: boolean;
  /** Bound on each step (default 40 min: a cold Prometheus build on 2 busy cores takes ~6). */
  stepTimeoutMs?: number;
}

export type ProvisionOutcome = {
  component: string;
  tag: string;
  dir: string;
  source: string;
  durationMs: number;
} & ({ outcome: "cached"; provenance: Provenance } | { outcome: "provisioned"; provenance: Provenance } | { outcome: "failed"; reason: string });

/**
 * Provisions each real component at the version stack/manifests pins, into the component cache, one at
 * a time (the machine is shared): reused when the cache holds a build of the same recipe, else built or
 * fetched with the registry's own client. A failure is recorded with its reason (`failed.json`), never
 * hidden: the plan then names the fallback (a binary on PATH, e.g. Debian's) or `unavailable`.
 */
export async function provisionComponents(options: ProvisionOptions): Promise<ProvisionOutcome[]> {
  const logger = options.logger ?? silentLogger;
  const root = options.root ?? componentsCacheRoot(options.env);
  const toolsDir = options.toolsDir ?? TOOLS_DIR;
  const env = options.env ?? process.env;
  const specs = extractComponents(await loadManifests(options.manifestsDir), COMPONENT_NAMES);
  const recipes = RECIPES.filter((r) => !options.only || options.only.includes(r.component));
  const toolchain = options.toolchain ?? (await findToolchain(env));
  logger.info(`setup: component cache ${root}`);
  logger.info(`setup: toolchain: go ${describeTool(toolchain.go)}; mvn ${describeTool(toolchain.mvn)}; java ${describeTool(toolchain.java)}`);
  const outcomes: ProvisionOutcome[] = [];
  for (const recipe of recipes) {
    const spec = specs.find((s) => s.name === recipe.component);
    if (!spec) continue;
    outcomes.push(
      await provisionOne(recipe, spec.image.tag, {
        root,
        toolsDir,
        toolchain,
        env,
        logger,
        force: options.force ?? false,
        stepTimeoutMs: options.stepTimeoutMs ?? 40 * 60_000,
      }),
    );
  }
  return outcomes;
}

interface OneOptions {
  root: string;
  toolsDir: string;
  toolchain: Toolchain;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  force: boolean;
  stepTimeoutMs: number;
}

async function provisionOne(recipe: ComponentRecipe, tag: string, options: OneOptions): Promise<ProvisionOutcome> {
  const { root, logger } = options;
  const label = `setup: ${recipe.component} ${tag}`;
  const dir = componentCacheDir(root, recipe.component, tag);
  const source = recipe.describe(tag);
  const startedAt = performance.now();
  const cached = await lookupProvisioned(recipe.component, tag, { root, toolsDir: options.toolsDir });
  if (cached?.state === "ready" && !options.force) {
    logger.info(`${label}: cached in ${dir} (built ${cached.provenance.builtAt} in ${formatDuration(cached.provenance.durationMs)})`);
    return {
      component: recipe.component,
      tag,
      dir,
      source,
      durationMs: Math.round(performance.now() - startedAt),
      outcome: "cached",
      provenance: cached.provenance,
    };
  }
  if (cached?.state === "stale") logger.info(`${label}: cache entry not reused: ${cached.reason}`);
  logger.info(`${label}: provisioning ${source}`);
  const buildDir = path.join(root, ".build", `${recipe.component}-${tag}-${process.pid}`);
  await rm(buildDir, { recursive: true, force: true });
  await mkdir(buildDir, { recursive: true });
  try {
    const hash = await recipeHash(recipe, tag, options.toolsDir);
    const result = await buildRecipe({
      recipe,
      tag,
      buildDir,
      toolsCacheDir: path.join(root, ".tools"),
      toolsDir: options.toolsDir,
      toolchain: options.toolchain,
      env: options.env,
      logger,
      label,
      stepTimeoutMs: options.stepTimeoutMs,
    });
    const main = mainBinaryOf(recipe);
    if (main) await checkVersion(path.join(buildDir, result.binaries[main]!), componentDef(recipe.component).versionArgs, tag, label, logger);
    const durationMs = Math.round(performance.now() - startedAt);
    const provenance: Provenance = {
      component: recipe.component,
      tag,
      source,
      recipeHash: hash,
      toolchain: result.toolchain,
      builtAt: new Date().toISOString(),
      durationMs,
      binaries: result.binaries,
    };
    // Assemble next to the final dir, then swap it in whole: a reader never sees half an entry.
    const staged = `${dir}.new-${process.pid}`;
    await rm(staged, { recursive: true, force: true });
    await mkdir(staged, { recursive: true });
    for (const output of result.outputs) await rename(path.join(buildDir, output), path.join(staged, output));
    await writeFile(path.join(staged, "provenance.json"), `${JSON.stringify(provenance, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(staged, dir);
    logger.info(`${label}: provisioned in ${formatDuration(durationMs)} -> ${dir}`);
    return { component: recipe.component, tag, dir, source, durationMs, outcome: "provisioned", provenance };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const failure: ProvisionFailure = { component: recipe.component, tag, reason, at: new Date().toISOString() };
    await mkdir(dir, { recursive: true });
    await rm(path.join(dir, "provenance.json"), { force: true });
    await writeFile(path.join(dir, "failed.json"), `${JSON.stringify(failure, null, 2)}\n`);
    const durationMs = Math.round(performance.now() - startedAt);
    logger.warn(`${label}: not provisioned after ${formatDuration(durationMs)}: ${reason.split("\n")[0]}`);
    logger.warn(
      `${label}: the local runtime falls back to a ${recipe.component} binary on PATH (Debian's package, shown as a version difference) or reports it unavailable; run obsconf setup components again once fixed`,
    );
    return { component: recipe.component, tag, dir, source, durationMs, outcome: "failed", reason };
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/** The built binary must say the manifest's version: plan-local compares exactly that. */
async function checkVersion(binary: string, versionArgs: readonly string[], tag: string, label: string, logger: Logger): Promise<void> {
  const out = await new Promise<string>((resolve) =>
    execFile(binary, [...versionArgs], { timeout: 20_000 }, (_e, stdout, stderr) => resolve(`${stdout}\n${stderr}`)),
  );
  const bare = tag.replace(/^v/, "");
  const line = out.split("\n").find((l) => l.includes(bare));
  if (!line)
    throw new Error(`${label}: ${path.basename(binary)} ${versionArgs.join(" ")} does not name ${bare}: ${JSON.stringify(out.trim().split("\n")[0] ?? "")}`);
  logger.info(`${label}: ${path.basename(binary)} ${versionArgs.join(" ")}: ${line.trim()}`);
}

function describeTool(tool: Toolchain["go"]): string {
  return tool.ok ? `${tool.version} (${tool.path})` : `unavailable: ${tool.reason}`;
}
