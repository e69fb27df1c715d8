// `npm run bench [-- --phase <s>] [--documented <s>]`: the throughput bench (bench/README.md).
// Writes bench/results.json and bench/results.md; stops every process it started.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runBench } from "../bench/run-bench.ts";
import { InputError } from "../common/errors.ts";
import { createLogger } from "../common/log.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    phase: { type: "string", default: "40" },
    documented: { type: "string", default: "30" },
    out: { type: "string", default: path.join(root, "bench") },
  },
});
const seconds = (flag: string, text: string) => {
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0 && n <= 120))
    throw new InputError({ file: "command line", field: `--${flag}` }, "a number of seconds in (0, 120]", JSON.stringify(text));
  return n * 1000;
};

try {
  const results = await runBench({
    manifestsDir: path.join(root, "stack", "manifests"),
    outDir: values.out,
    phaseMs: seconds("phase", values.phase),
    documentedMs: seconds("documented", values.documented),
    logger: createLogger(),
  });
  process.stdout.write(
    `${path.join(values.out, "results.md")} (${results.checks.filter((c) => c.status === "fail").length} failed, ${results.errors.length} errors)\n`,
  );
  process.exitCode = results.errors.length > 0 ? 2 : results.checks.some((c) => c.status === "fail") ? 1 : 0;
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
