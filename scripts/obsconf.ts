import { Command, CommanderError, Option } from "commander";
import { HarnessError, InputError } from "../common/errors.ts";
import { COMPONENT_NAMES } from "../stack/index.ts";
import { FAULT_KINDS, formatFaultSpec, parseFaultSpec } from "../chaos/index.ts";
import { DEFAULT_FAULTS } from "../scenarios/chaos/default-faults.ts";
import { collectBin, DEFAULT_MANIFESTS, DEFAULT_RULE_TESTS, parseList, parsePositiveMs } from "./cli-options.ts";
import { cleanupCommand } from "./commands/cleanup.ts";
import { planCommand } from "./commands/plan.ts";
import { PROVISIONED_COMPONENTS, setupComponentsCommand } from "./commands/setup-components.ts";
import { runLokiSinkFromArgs } from "../stack/reference-sinks/loki/run-loki-sink.ts";
import { runTempoSinkFromArgs } from "../stack/reference-sinks/tempo/tempo-sink-cli.ts";
import { runCommand, SCENARIOS } from "./commands/run.ts";
import { parseLoadDurationMs } from "../scenarios/load/load-duration.ts";
import { parseLoadGenerator } from "../scenarios/load/load-generator-choice.ts";
import { upCommand } from "./commands/up.ts";
import { validateCommand } from "./commands/validate.ts";

const EXIT_CODES = `
Exit codes:
  0  success (every check that ran passed)
  1  a check failed (or a component failed to start under 'up')
  2  bad input (manifest, contract, scenario, flag) or a harness error`;

const CHAOS_HELP = `
Chaos drills (obsconf run chaos): for each fault, canaries write and read through the real stack:
steady state, inject, hold (the profile's chaos.faultDuration), heal, recover (until steady, at
most chaos.observeAfterHeal). Reported per fault: RPO (lost acknowledged writes, exact seqs), RTO
(injection -> first write acknowledged and read back) and the stack's health alerts; and the
availability of write+read probes through the drill. A fault this host cannot do is reported
unsupported with the reason. Default faults (ci): ${DEFAULT_FAULTS.ci!.join(", ")}.
`;

/** Collects repeated \`--fault\` flags; each is parsed at once so a typo exits 2 before anything starts. */
function collectFault(value: string, previous: string[] = []): string[] {
  return [...previous, formatFaultSpec(parseFaultSpec(value, { file: "command line", field: "--fault" }))];
}

// `obsconf run --help | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const program = new Command("obsconf")
  .description("Conformance, load and chaos harness for the Kubernetes observability stack in stack/manifests")
  .version("0.1.0")
  .addHelpText("after", EXIT_CODES)
  .showHelpAfterError()
  .exitOverride();

const runtimeOption = () =>
  new Option("--runtime <name>", "where the stack runs: local | k3s | cluster | auto (auto: k3s when a container engine answers and the k3s image is present or pullable, else local; chaos drills run local only)").default("auto");
const contextOption = () => new Option("--context <name>", "kube context of the cluster runtime (default: the current context of KUBECONFIG)");
const imagesOption = () => new Option("--images <dir>", "k3s: a directory of image archives (docker save / OCI .tar, .tar.gz, .tar.zst) preloaded for offline runs");
const manifestsOption = () => new Option("--manifests <dir>", "the stack's manifests (kustomization.yaml + resources)").default(DEFAULT_MANIFESTS);
const binOption = () => new Option("--bin <name=path>", "use this binary for a component or tool (repeatable), e.g. --bin loki=/opt/loki").argParser(collectBin).default({});

program
  .command("plan")
  .description("show how each component would run (process, simulated by a substitute, unavailable, or pod) and its version; for k3s, which images are missing and how to preload them")
  .addOption(runtimeOption())
  .addOption(manifestsOption())
  .addOption(binOption())
  .addOption(imagesOption())
  .addOption(contextOption())
  .option("--reach <how>", "cluster: how the harness reaches the Services: port-forward | node-port | load-balancer", "port-forward")
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await planCommand(options)));

program
  .command("validate")
  .description("validate the manifests (schemas, references) and run each component's own config checker where installed")
  .addOption(manifestsOption())
  .option("--rule-tests <dir>", "promtool rule unit tests", DEFAULT_RULE_TESTS)
  .addOption(binOption())
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await validateCommand(options)));

program
  .command("up")
  .description("start the stack from the manifests, print its endpoints, keep running until Ctrl-C, then stop everything")
  .addOption(runtimeOption())
  .addOption(imagesOption())
  .addOption(contextOption())
  .addOption(manifestsOption())
  .addOption(binOption())
  .option("--runs-dir <dir>", "where each run's directory (configs, data, logs) is created", "runs")
  .option("--only <components>", `start only these (comma-separated: ${COMPONENT_NAMES.join(",")})`, parseList("--only", COMPONENT_NAMES))
  .option("--ready-timeout <seconds>", "how long each component may take to become ready", parsePositiveMs("--ready-timeout"), 30_000)
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await upCommand({ ...options, readyTimeoutMs: options.readyTimeout })));

program
  .command("run")
  .description(`run a scenario against the stack and write its reports (scenarios: ${SCENARIOS.join(", ")})`)
  .argument("<scenario>", SCENARIOS.join(" | "))
  .option("--profile <name>", "contract profile: ci | small | documented (volumes and durations; never targets)", "ci")
  .option("--duration <d>", "load only: how long the load runs (1s..2h, e.g. 90s, 5m, or seconds), instead of the profile's load.duration", parseLoadDurationMs)
  .option("--generator <name>", "load only: builtin (worker processes on this machine, default) | k6 (local k6 with the xk6 extensions; k6-operator TestRuns on --runtime cluster)", parseLoadGenerator)
  .addOption(runtimeOption())
  .addOption(manifestsOption())
  .addOption(binOption())
  .option("--contract <file>", "the contract file (default: assertions/contract.yaml)")
  .option("--promql-suite <file>", "PromQL query suite (default: assertions/suites/promql.yaml)")
  .option("--logql-suite <file>", "LogQL query suite (default: assertions/suites/logql.yaml)")
  .option("--traceql-suite <file>", "TraceQL query suite (default: assertions/suites/traceql.yaml)")
  .option("--runs-dir <dir>", "where each run's directory (configs, data, logs) is created", "runs")
  .option("--out <dir>", "report directory (default: reports/out/<run-id>); must not exist")
  .option("--only <prefixes>", "run only checks whose id starts with one of these (comma-separated, e.g. metrics.,alerts. or throughput.metrics)", (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean))
  .option(
    "--fault <kind:component[@port][:arg]>",
    `chaos only, repeatable: a fault to inject (kinds: ${FAULT_KINDS.join(", ")}), e.g. --fault kill:prometheus --fault delay:prometheus:200ms; default: the profile's list`,
    collectFault,
  )
  .addOption(imagesOption())
  .addOption(contextOption())
  .addHelpText("after", `${CHAOS_HELP}${EXIT_CODES}`)
  .action(async (scenario: string, options) => setExit(await runCommand(scenario, options)));

const setup = program.command("setup").description("set up what obsconf runs on: `setup components` provisions the real components (scripts/setup.sh installs the Debian packages and npm dependencies, then runs it)").addHelpText("after", EXIT_CODES);
setup
  .command("components")
  .description("provision the real components at the versions stack/manifests pins into the component cache (~/.cache/obsconf/components; OBSCONF_COMPONENTS_CACHE overrides): Prometheus, Alertmanager, node-exporter, kube-state-metrics from the Go module proxy, the OpenTelemetry Collector with its builder, Kafka from Maven Central; reused when cached")
  .addOption(manifestsOption())
  .option("--only <names>", "only these components (comma-separated)", parseList("--only", PROVISIONED_COMPONENTS))
  .option("--force", "rebuild even when cached")
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await setupComponentsCommand(options)));

program
  .command("cleanup")
  .description("remove what killed runs left behind, found by label: k3s containers and cluster run namespaces (runs still alive here, or started on another host, are kept unless named or forced)")
  .option("--runtime <name>", "k3s | cluster | all", "all")
  .addOption(contextOption())
  .option("--run-id <id>", "only this run (also one started on another host)")
  .option("--force", "also runs whose obsconf looks alive or was started on another host")
  .option("--dry-run", "list what would be removed, remove nothing")
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await cleanupCommand(options)));

program
  .command("sink")
  .description("run a reference sink (loki | tempo) in the foreground; the local runtime starts these in place of an absent Loki or Tempo")
  .argument("<name>", "loki | tempo")
  .argument("[args...]", "loki: --listen http=HOST:PORT [--drop-every N]; tempo: --listen http=… --listen otlp-grpc=… --listen otlp-http=… [--drop-span-every N]")
  .allowUnknownOption()
  .helpOption("-h, --help")
  .addHelpText("after", EXIT_CODES)
  .action(async (name: string, args: string[]) => {
    if (name === "loki") await runLokiSinkFromArgs(args);
    else if (name === "tempo") await runTempoSinkFromArgs(args);
    else throw new InputError({ file: "command line", field: "sink" }, "loki or tempo", JSON.stringify(name));
  });

function setExit(code: number): void {
  process.exitCode = code;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof InputError || error instanceof HarnessError) {
    process.stderr.write(`obsconf: error: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`obsconf: harness error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  }
}
