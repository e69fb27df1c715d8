import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

let cached: string | undefined;

/** The chart.js UMD bundle's text (`node_modules/chart.js/dist/chart.umd.js`), safe to inline in a `<script>`. */
export function chartJsUmdSource(): string {
  if (cached !== undefined) return cached;
  // chart.js's `exports` map does not expose dist/chart.umd.js; resolve the CommonJS entry and go next door.
  const entry = createRequire(import.meta.url).resolve("chart.js");
  const source = readFileSync(join(dirname(entry), "chart.umd.js"), "utf8");
  cached = source.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
  return cached;
}
