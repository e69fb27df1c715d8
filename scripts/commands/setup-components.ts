import { createLogger } from "../../common/log.ts";
import { formatTable } from "../../common/text-table.ts";
import { formatDuration, provisionComponents, RECIPES } from "../../stack/provision/index.ts";

/** Components with a provisioning recipe (the rest come from PATH, substitutes, or nowhere). */
export const PROVISIONED_COMPONENTS: readonly string[] = RECIPES.map((r) => r.component);

export interface SetupComponentsOptions {
  manifests: string;
  only?: string[];
  force?: boolean;
}

/**
 * `obsconf setup components`: provisions the real components at the manifests' pinned versions into
 * the component cache (reused on later runs). Exit 0 even when one could not be provisioned: its
 * reason is printed and the local runtime falls back (a binary on PATH, or unavailable).
 */
export async function setupComponentsCommand(options: SetupComponentsOptions): Promise<number> {
  const startedAt = performance.now();
  const outcomes = await provisionComponents({
    manifestsDir: options.manifests,
    logger: createLogger(),
    ...(options.only?.length ? { only: options.only } : {}),
    force: options.force ?? false,
  });
  const rows = outcomes.map((o) => [
    o.component,
    o.tag,
    o.outcome === "failed" ? "not provisioned" : o.outcome,
    formatDuration(o.durationMs),
    o.outcome === "failed" ? o.reason.split("\n")[0]! : o.dir,
  ]);
  process.stdout.write(`${formatTable(["component", "version", "outcome", "took", "where / why not"], rows, { maxWidth: 130 })}\n`);
  process.stdout.write(`\nset-up of components took ${formatDuration(Math.round(performance.now() - startedAt))}\n`);
  return 0;
}
