import { createLogger } from "../../common/log.ts";
import { formatTable } from "../../common/text-table.ts";
import { planK3s, resolveRuntime, withClusterFlags, startStack, waitForShutdownSignal } from "../../stack/index.ts";
import { validateStack } from "../../stack/validate/validate-stack.ts";
import { validateRunInput } from "../validate-run-input.ts";
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
}

/** `obsconf up`: start the stack, print its endpoints, run until Ctrl-C or SIGTERM, stop everything. */
export async function upCommand(options: UpCommandOptions): Promise<number> {
  await validateRunInput(options);
  await validateStack({ manifestsDir: options.manifests, bins: options.bin });
  const wantsK3s = options.runtime === "k3s" || options.runtime === "auto";
  // The plan's probe includes the preflight (engine facts against the stack's requests).
  const probe = wantsK3s ? async () => (await planK3s({ manifestsDir: options.manifests, ...(options.images ? { imagesDir: options.images } : {}) })).probe : undefined;
  const choice = withClusterFlags(await resolveRuntime(options.runtime, { ...(probe ? { probe } : {}), ...(options.context ? { context: options.context } : {}) }), options);
  const logger = createLogger();
  logger.info(`runtime: ${choice.runtime} (${choice.reason})`);
  const stack = await startStack(choice, {
    manifestsDir: options.manifests, runsDir: options.runsDir, bins: options.bin, readyTimeoutMs: options.readyTimeoutMs, logger,
    ...(options.only ? { only: options.only } : {}),
    ...(options.images ? { imagesDir: options.images } : {}), ...(options.context ? { context: options.context } : {}),
  });
  const signal = waitForShutdownSignal();
  const statuses = stack.components();
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out("");
  out(formatTable(["component", "runs as", "from", "state", "version", "note"], statuses.map((s) => {
    const [component, , runsAs, , from, version, planNote] = planRow(s.plan);
    const state = s.status.state === "ready" ? `ready (${s.status.readyAfterMs}ms)` : s.status.state;
    const note = s.status.state === "error" ? s.status.error.split("\n")[0]! : s.status.state === "not-started" || s.status.state === "unavailable" ? s.status.reason : planNote!;
    return [component!, runsAs!, from!, state, version!, note];
  }), { maxWidth: 110 }));
  const endpoints = Object.entries(stack.endpoints()).flatMap(([component, ports]) => Object.entries(ports).map(([port, e]) => [component, port, e.url]));
  out("");
  out(formatTable(["component", "port", "endpoint"], endpoints));
  out(`\nrun directory: ${stack.runDir} (config, data and logs of every component)`);
  const errors = statuses.filter((s) => s.status.state === "error");
  for (const e of errors) if (e.status.state === "error") out(`\n${e.plan.component} failed to start:\n${e.status.error}`);
  out(`\nobsconf up: ${statuses.filter((s) => s.status.state === "ready").length} components running. Press Ctrl-C to stop.`);
  const received = await signal;
  out(`\nobsconf up: ${received} received, stopping...`);
  await stack.stop();
  // A component that died while up (each was printed when it happened) fails `up` as a start failure does.
  const deaths = stack.deaths?.() ?? [];
  for (const death of deaths) out(`obsconf up: ${death.summary} while up`);
  out("obsconf up: stopped; no component process is left running.");
  return errors.length > 0 || deaths.length > 0 ? 1 : 0;
}
