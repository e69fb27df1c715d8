export {
  RECIPES,
  recipeFor,
  mainBinaryOf,
  prometheusModuleVersion,
  TOOLS_DIR,
  type ComponentRecipe,
  type GoRecipe,
  type CollectorRecipe,
  type MavenRecipe,
} from "./component-recipes.ts";
export {
  componentsCacheRoot,
  componentCacheDir,
  lookupProvisioned,
  recipeHash,
  jarVersion,
  type CacheLookup,
  type Provenance,
  type ProvisionFailure,
} from "./provision-cache.ts";
export { provisionComponents, type ProvisionOptions, type ProvisionOutcome } from "./provision-components.ts";
export { findToolchain, findGo, findMaven, findJava, type Toolchain, type ToolLookup } from "./toolchain.ts";
export { formatDuration } from "./run-step.ts";
