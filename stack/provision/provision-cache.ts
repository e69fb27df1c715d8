import { createHash } from "node:crypto";
import { access, constants, readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { recipeFor, TOOLS_DIR, type ComponentRecipe } from "./component-recipes.ts";

/**
 * The component cache: `<root>/<component>/<manifest tag>/` holds what provisioning built or fetched
 * (`bin/`, or `libs/` for Kafka) and `provenance.json`; a failed attempt leaves `failed.json` with the
 * reason instead. Root: `$OBSCONF_COMPONENTS_CACHE`, else `$XDG_CACHE_HOME/obsconf/components`, else
 * `~/.cache/obsconf/components`.
 */
export function componentsCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OBSCONF_COMPONENTS_CACHE) return path.resolve(env.OBSCONF_COMPONENTS_CACHE);
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME ?? homedir(), ".cache");
  return path.join(xdg, "obsconf", "components");
}

export function componentCacheDir(root: string, component: string, tag: string): string {
  return path.join(root, component, tag);
}

export interface Provenance {
  component: string;
  /** The manifest's image tag this was provisioned for. */
  tag: string;
  /** What it is, e.g. `github.com/prometheus/prometheus@v0.305.0 ... from the Go module proxy`. */
  source: string;
  /** Hash of the recipe's project-owned inputs: a changed input means a rebuild. */
  recipeHash: string;
  /** Toolchain that built it, e.g. `go1.26.8`, `Apache Maven 3.8.7`. */
  toolchain: string;
  builtAt: string;
  durationMs: number;
  /** Binary name -> path relative to the cache dir (empty for Kafka, which runs on java). */
  binaries: Record<string, string>;
}

export interface ProvisionFailure {
  component: string;
  tag: string;
  reason: string;
  at: string;
}

export type CacheLookup =
  | { state: "ready"; dir: string; provenance: Provenance }
  | { state: "stale"; dir: string; provenance: Provenance; reason: string }
  | { state: "failed"; dir: string; failure: ProvisionFailure }
  | { state: "absent"; dir: string };

/**
 * sha256 over what the recipe does for this tag (its data and the values its functions give for the
 * tag, never their source text, which differs between loaders) and its project-owned input files.
 */
export async function recipeHash(recipe: ComponentRecipe, tag: string, toolsDir = TOOLS_DIR): Promise<string> {
  const hash = createHash("sha256");
  const applied: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(recipe))
    applied[key] = typeof value === "function" ? (value as (t: string) => unknown)(tag) : value instanceof RegExp ? String(value) : value;
  hash.update(JSON.stringify(applied));
  for (const input of recipe.inputs) {
    hash.update(`\0${input}\0`);
    hash.update(await readFile(path.join(toolsDir, input)));
  }
  return hash.digest("hex").slice(0, 16);
}

/** What the cache holds for a component at a manifest tag (no network, no build). */
export async function lookupProvisioned(
  component: string,
  tag: string,
  { root = componentsCacheRoot(), toolsDir = TOOLS_DIR }: { root?: string; toolsDir?: string } = {},
): Promise<CacheLookup | undefined> {
  const recipe = recipeFor(component);
  if (!recipe) return undefined;
  const dir = componentCacheDir(root, component, tag);
  const provenance = await readJson<Provenance>(path.join(dir, "provenance.json"));
  if (provenance) {
    const missing = await missingFiles(dir, recipe, provenance);
    if (missing) return { state: "stale", dir, provenance, reason: missing };
    const expected = await recipeHash(recipe, tag, toolsDir).catch(() => undefined);
    if (expected !== undefined && expected !== provenance.recipeHash) {
      return {
        state: "stale",
        dir,
        provenance,
        reason: `built from an older recipe (tools/components/${recipe.inputs[0]!.split("/")[0]}/ changed since); run obsconf setup components`,
      };
    }
    return { state: "ready", dir, provenance };
  }
  const failure = await readJson<ProvisionFailure>(path.join(dir, "failed.json"));
  return failure ? { state: "failed", dir, failure } : { state: "absent", dir };
}

async function missingFiles(dir: string, recipe: ComponentRecipe, provenance: Provenance): Promise<string | undefined> {
  for (const [name, relative] of Object.entries(provenance.binaries)) {
    try {
      await access(path.join(dir, relative), constants.X_OK);
    } catch {
      return `${name} is missing from ${dir}; run obsconf setup components`;
    }
  }
  if (recipe.kind === "maven") {
    const jars = await readdir(path.join(dir, "libs")).catch(() => [] as string[]);
    if (!jars.some((jar) => recipe.mainJar.test(jar))) return `no ${recipe.mainJar.source} in ${path.join(dir, "libs")}; run obsconf setup components`;
  }
  return undefined;
}

/** The component version a Maven-provisioned component carries in its main jar's name. */
export async function jarVersion(libsDir: string, mainJar: RegExp): Promise<string | undefined> {
  const jars = await readdir(libsDir).catch(() => [] as string[]);
  for (const jar of jars) {
    const m = mainJar.exec(jar);
    if (m) return m[1];
  }
  return undefined;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}
