import { statSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../../common/errors.ts";
import { createLogger } from "../../common/log.ts";
import { formatTable } from "../../common/text-table.ts";
import { formatEndpointsFile, startStack, waitForShutdownSignal, type StartedStack } from "../../stack/index.ts";
import { validateStack } from "../../stack/validate/validate-stack.ts";
import { checkWritableDir, validateRunInput } from "../validate-run-input.ts";
import { resolveStackRuntime } from "./choose-runtime.ts";
import { planRow } from "./plan.ts";

export interface UpCommandOptions {
  runtime: string;
  manifests: string;
  runsDir: string;
  bin: Record<string, string>;
  only?: string[];
  readyTimeoutMs: number;
  images?: string;
  context?: string;
  /** cluster: `--reach` and `--harness-address`. */
  reach?: string;
  harnessAddress?: string;
  /** `--endpoints-out FILE`: the running stack's endpoints, for `run --runtime attach --endpoints FILE`. */
  endpointsOut?: string;
}

/** `obsconf up`: start the stack, print its endpoints, run until Ctrl-C or SIGTERM, stop everything. */
export async function upCommand(options: UpCommandOptions): Promise<number> {
  await validateRunInput(options);
  await validateStack({ manifestsDir: options.manifests, bins: options.bin });
  if (options.endpointsOut !== undefined) checkEndpointsOut(options.endpointsOut);
  const choice = await resolveStackRuntime(options);
  const logger = createLogger();
  logger.info(`runtime: ${choice.runtime} (${choice.reason})`);
  const stack = await startStack(choice, {
    manifestsDir: options.manifests,
    runsDir: options.runsDir,
    bins: options.bin,
    readyTimeoutMs: options.readyTimeoutMs,
    logger,
    ...(options.only ? { only: options.only } : {}),
    ...(options.images ? { imagesDir: options.images } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  const signal = waitForShutdownSignal();
  const statuses = stack.components();
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out("");
  out(
    formatTable(
      ["component", "runs as", "from", "state", "version", "note"],
      statuses.map((s) => {
        const [component, , runsAs, , from, version, planNote] = planRow(s.plan);
        const state = s.status.state === "ready" ? `ready (${s.status.readyAfterMs}ms)` : s.status.state;
        const note =
          s.status.state === "error"
            ? s.status.error.split("\n")[0]!
            : s.status.state === "not-started" || s.status.state === "unavailable"
              ? s.status.reason
              : planNote!;
        return [component!, runsAs!, from!, state, version!, note];
      }),
      { maxWidth: 110 },
    ),
  );
  const endpoints = Object.entries(stack.endpoints()).flatMap(([component, ports]) => Object.entries(ports).map(([port, e]) => [component, port, e.url]));
  out("");
  out(formatTable(["component", "port", "endpoint"], endpoints));
  out(`\nrun directory: ${stack.runDir} (config, data and logs of every component)`);
  if (options.endpointsOut !== undefined) {
    await writeEndpointsFile(stack, options.endpointsOut);
    out(`endpoints file: ${options.endpointsOut} (obsconf run <scenario> --runtime attach --endpoints ${options.endpointsOut})`);
  }
  const errors = statuses.filter((s) => s.status.state === "error");
  for (const e of errors) if (e.status.state === "error") out(`\n${e.plan.component} failed to start:\n${e.status.error}`);
  out(`\nobsconf up: ${statuses.filter((s) => s.status.state === "ready").length} components running. Press Ctrl-C to stop.`);
  const received = await signal;
  out(`\nobsconf up: ${received} received, stopping...`);
  if (options.endpointsOut !== undefined) await rm(options.endpointsOut, { force: true });
  await stack.stop();
  // A component that died while up (each was printed when it happened) fails `up` as a start failure does.
  const deaths = stack.deaths?.() ?? [];
  for (const death of deaths) out(`obsconf up: ${death.summary} while up`);
  out("obsconf up: stopped; no component process is left running.");
  return errors.length > 0 || deaths.length > 0 ? 1 : 0;
}

/** `--endpoints-out`: a file (not a directory) in a writable directory; refused before anything starts. */
function checkEndpointsOut(file: string): void {
  checkWritableDir(path.dirname(path.resolve(file)), "--endpoints-out", { mustNotExist: false });
  let isDirectory = false;
  try {
    isDirectory = statSync(file).isDirectory();
  } catch {
    /* absent: written later */
  }
  if (isDirectory)
    throw new InputError(
      { file: "command line", field: "--endpoints-out" },
      "a file path for the endpoints file",
      `${JSON.stringify(file)}, which is a directory`,
    );
}

/**
 * The ready components' endpoints (a stand-in named as such, so an attached run reports what it touched
 * as simulated), written whole at once (a reader waiting for the file never sees half of it).
 */
async function writeEndpointsFile(stack: StartedStack, file: string): Promise<void> {
  const endpoints = stack.endpoints();
  const components: Record<string, { ports: Record<string, string>; substitute?: string }> = {};
  for (const { plan, status } of stack.components()) {
    const ports = endpoints[plan.component];
    if (status.state !== "ready" || ports === undefined) continue;
    components[plan.component] = {
      ports: Object.fromEntries(Object.entries(ports).map(([name, e]) => [name, e.url])),
      ...(plan.mode === "substitute" ? { substitute: plan.substitute } : {}),
    };
  }
  const text = formatEndpointsFile(
    components,
    `obsconf up (run ${stack.runId}, runtime ${stack.runtime}): the stack's endpoints while it runs; removed when it stops`,
  );
  const partial = `${file}.partial-${process.pid}`;
  await writeFile(partial, text, { mode: 0o644 });
  await rename(partial, file);
}
