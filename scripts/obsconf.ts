import { Command, CommanderError, Option } from "commander";
import { HarnessError, InputError } from "../common/errors.ts";
// Light imports only: each command's module (and the stack, load, chaos code behind it) is imported when
// the command runs, so `--help`, a bad flag and a refused input answer in well under a second of CPU.
import { COMPONENT_NAMES } from "../stack/components/index.ts";
import { DEFAULT_KEEP_RUNS } from "../stack/runtimes/local/prune-runs.ts";
import { FAULT_KINDS, formatFaultSpec, parseFaultSpec } from "../chaos/fault-spec.ts";
import { DEFAULT_FAULTS } from "../scenarios/chaos/default-faults.ts";
import { collectBin, DEFAULT_MANIFESTS, DEFAULT_REPORTS_DIR, DEFAULT_RULE_TESTS, parseCount, parseList, parsePositiveMs, SCENARIOS } from "./cli-options.ts";
import { PROVISIONED_COMPONENTS } from "./commands/setup-components.ts";
import { parseLoadDurationMs } from "../scenarios/load/load-duration.ts";
import { parseLoadGenerator } from "../scenarios/load/load-generator-choice.ts";
import { validateRunInput } from "./validate-run-input.ts";

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
availability of write+read probes through the drill. A fault on Mimir adds a canary straight into
the long-term store (metrics.long-term); a fault on Kafka one per signal the collector sends to it
(<signal>.kafka: loss per hop, and delivery of what the collector acknowledged within the ingestion
target). A fault this host cannot do is reported unsupported with the reason. Default faults (ci): ${DEFAULT_FAULTS.ci!.join(", ")}.
`;

const SIGNOFF_HELP = `
Sign-off (obsconf run signoff): conformance, load and the chaos drill at the documented profile as one
run on one stack, strict (a simulated or unavailable check fails it), with one verdict per row of the
seed's tables (contract rows), the reports signed with --key. Only k3s and cluster can sign off: local
and attach are refused before anything starts, as is a plan with a simulated or unavailable component
(exit 1, the blockers printed). Chaos faults are built for the local runtime only, so on k3s and cluster
they are unsupported today and the sign-off is not eligible: the report says so. --dry-run plans it.
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
  new Option(
    "--runtime <name>",
    "where the stack runs: local | k3s | cluster | auto (auto: k3s when a container engine answers and the k3s image is present or pullable, else local; chaos drills run local only); run also takes attach (a stack obsconf did not start, with --endpoints)",
  ).default("auto");
const contextOption = () => new Option("--context <name>", "kube context of the cluster runtime (default: the current context of KUBECONFIG)");
const reachOption = () =>
  new Option("--reach <how>", "cluster: how the harness reaches the Services: port-forward | node-port | load-balancer").default("port-forward");
const harnessAddressOption = () =>
  new Option(
    "--harness-address <ip>",
    "cluster: an IP of this machine that the cluster's pods can reach (alert sinks, the pull canary); without it those checks cannot pass on a cluster",
  );
const imagesOption = () =>
  new Option("--images <dir>", "k3s: a directory of image archives (docker save / OCI .tar, .tar.gz, .tar.zst) preloaded for offline runs");
const manifestsOption = () => new Option("--manifests <dir>", "the stack's manifests (kustomization.yaml + resources)").default(DEFAULT_MANIFESTS);
const binOption = () =>
  new Option("--bin <name=path>", "use this binary for a component or tool (repeatable), e.g. --bin loki=/opt/loki").argParser(collectBin).default({});

program
  .command("plan")
  .description(
    "show how each component would run (process, simulated by a substitute, unavailable, or pod) and its version; for k3s, which images are missing and how to preload them",
  )
  .addOption(runtimeOption())
  .addOption(manifestsOption())
  .addOption(binOption())
  .addOption(imagesOption())
  .addOption(contextOption())
  .addOption(reachOption())
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await (await import("./commands/plan.ts")).planCommand(options)));

program
  .command("validate")
  .description(
    "validate the manifests (schemas, references), run each component's own config checker where installed, and the security.* checks of the manifests",
  )
  .addOption(manifestsOption())
  .option("--rule-tests <dir>", "promtool rule unit tests", DEFAULT_RULE_TESTS)
  .addOption(binOption())
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await (await import("./commands/validate.ts")).validateCommand(options)));

program
  .command("up")
  .description("start the stack from the manifests, print its endpoints, keep running until Ctrl-C, then stop everything")
  .addOption(runtimeOption())
  .addOption(imagesOption())
  .addOption(contextOption())
  .addOption(reachOption())
  .addOption(harnessAddressOption())
  .addOption(manifestsOption())
  .addOption(binOption())
  .option("--runs-dir <dir>", "where each run's directory (configs, data, logs) is created", "runs")
  .option("--only <components>", `start only these (comma-separated: ${COMPONENT_NAMES.join(",")})`, parseList("--only", COMPONENT_NAMES))
  .addOption(
    new Option("--ready-timeout <seconds>", "how long each component may take to become ready")
      .argParser(parsePositiveMs("--ready-timeout"))
      .default(30_000, "30"),
  )
  .option(
    "--endpoints-out <file>",
    "once the stack is up, write its endpoints there (YAML: component -> port -> URL, stand-ins named) for 'obsconf run ... --runtime attach --endpoints FILE'; removed when up stops",
  )
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => {
    await validateRunInput(options); // before the stack's modules load: a refusal is quick and starts nothing
    setExit(await (await import("./commands/up.ts")).upCommand({ ...options, readyTimeoutMs: options.readyTimeout }));
  });

program
  .command("run")
  .description(`run a scenario against the stack and write its reports (scenarios: ${SCENARIOS.join(", ")})`)
  .argument("<scenario>", SCENARIOS.join(" | "))
  .option("--profile <name>", "contract profile: ci | small | documented (volumes and durations; never targets); default ci, and documented for signoff")
  .option("--duration <d>", "load only: how long the load runs (1s..2h, e.g. 90s, 5m, or seconds), instead of the profile's load.duration", parseLoadDurationMs)
  .option(
    "--generator <name>",
    "load only: builtin (worker processes on this machine, default) | k6 (local k6 with the xk6 extensions; k6-operator TestRuns on --runtime cluster)",
    parseLoadGenerator,
  )
  .addOption(runtimeOption())
  .addOption(manifestsOption())
  .addOption(binOption())
  .option("--contract <file>", "the contract file (default: assertions/contract.yaml)")
  .option("--promql-suite <file>", "PromQL query suite (default: assertions/suites/promql.yaml)")
  .option("--logql-suite <file>", "LogQL query suite (default: assertions/suites/logql.yaml)")
  .option("--traceql-suite <file>", "TraceQL query suite (default: assertions/suites/traceql.yaml)")
  .option("--runs-dir <dir>", "where each run's directory (configs, data, logs) is created", "runs")
  .option("--out <dir>", "report directory (default: reports/out/<run-id>); must not exist")
  .option(
    "--keep-runs <n>",
    `after the run, keep only the newest n runs (runs/<run-id> and reports/out/<run-id>; a run still running or holding host state is kept); 0 keeps every run`,
    parseCount("--keep-runs"),
    DEFAULT_KEEP_RUNS,
  )
  .option("--strict", "a simulated or unavailable check fails the run (exit 1): every check must touch the real component it certifies")
  .option("--junit-simulated-as-passed", "in junit.xml, report simulated checks as passing tests (default: skipped, with the substitute named)")
  .option(
    "--baseline <file>",
    "compare with this run-result.json (the last accepted run, same scenario and profile) using the contract's regression bands; a regression fails the run (exit 1); the diff goes to <out>/diff/",
  )
  .option(
    "--only <prefixes>",
    "run only checks whose id starts with one of these (comma-separated, e.g. metrics.,alerts. or throughput.metrics)",
    (v: string) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
  )
  .option(
    "--fault <kind:component[@port][:arg]>",
    `chaos only, repeatable: a fault to inject (kinds: ${FAULT_KINDS.join(", ")}), e.g. --fault kill:prometheus --fault delay:prometheus:200ms; default: the profile's list`,
    collectFault,
  )
  .addOption(imagesOption())
  .addOption(contextOption())
  .addOption(reachOption())
  .addOption(harnessAddressOption())
  .option(
    "--endpoints <file>",
    "with --runtime attach: the stack obsconf did not start, as component -> Service port name -> URL (YAML or JSON; credentials named by environment variable, never written in it); 'obsconf up --endpoints-out FILE' writes one",
  )
  .option(
    "--key <file>",
    "signoff: the Ed25519 private key the reports are signed with (default: the file named by $OBSCONF_SIGNING_KEY; no key refuses the sign-off)",
  )
  .option(
    "--dry-run",
    "signoff: print what would run (the scenarios, the checks by contract row, the components and images, the blockers) and start nothing; exit 1 when the run would be refused",
  )
  .addHelpText("after", `${CHAOS_HELP}${SIGNOFF_HELP}${EXIT_CODES}`)
  .action(async (scenario: string, raw) => {
    const options = { ...raw, profile: raw.profile ?? (scenario === "signoff" ? "documented" : "ci") };
    if ((SCENARIOS as readonly string[]).includes(scenario)) await validateRunInput({ ...options, scenario }); // before the stack's modules load
    setExit(await (await import("./commands/run.ts")).runCommand(scenario, options));
  });

program
  .command("kube-api")
  .description(
    "run a real Kubernetes API server (etcd, kube-apiserver, kwok's fake node; built by scripts/setup.sh) for kube-state-metrics on the local runtime, with the manifests' RBAC applied, until Ctrl-C; then OBSCONF_KUBECONFIG=<file> makes the local runtime run kube-state-metrics against it",
  )
  .addOption(manifestsOption())
  .requiredOption("--kubeconfig-out <file>", "where to write the kubeconfig of the manifests' kube-state-metrics ServiceAccount")
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await (await import("./commands/kube-api.ts")).kubeApiCommand(options)));

const setup = program
  .command("setup")
  .description(
    "set up what obsconf runs on: `setup components` provisions the real components (scripts/setup.sh installs the Debian packages and npm dependencies, then runs it)",
  )
  .addHelpText("after", EXIT_CODES);
setup
  .command("components")
  .description(
    "provision the real components at the versions stack/manifests pins into the component cache (~/.cache/obsconf/components; OBSCONF_COMPONENTS_CACHE overrides): Prometheus, Alertmanager, node-exporter, kube-state-metrics from the Go module proxy, the OpenTelemetry Collector with its builder, Kafka from Maven Central; reused when cached",
  )
  .addOption(manifestsOption())
  .option("--only <names>", "only these components (comma-separated)", parseList("--only", PROVISIONED_COMPONENTS))
  .option("--force", "rebuild even when cached")
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await (await import("./commands/setup-components.ts")).setupComponentsCommand(options)));

program
  .command("cleanup")
  .description(
    "remove what killed runs left behind: local runs' processes, network namespaces, veths and tmpfs mounts (from each run directory's host-state.jsonl; a pid is killed only while its start time and command line match), k3s containers and cluster run namespaces (found by label); runs still alive here, or started on another host, are kept unless named or forced",
  )
  .option("--runtime <name>", "local | k3s | cluster | all", "all")
  .addOption(contextOption())
  .option("--runs-dir <dir>", "local: where the run directories are", "runs")
  .option("--reports-dir <dir>", "local: where the runs' default report directories are (pruned with --keep)", DEFAULT_REPORTS_DIR)
  .option(
    "--keep <n>",
    `local: also prune all but the newest n runs (runs/<run-id> and reports/out/<run-id>); 'obsconf run' does this after each run with n = ${DEFAULT_KEEP_RUNS}`,
    parseCount("--keep"),
  )
  .option("--run-id <id>", "only this run (also one started on another host)")
  .option("--force", "also runs whose obsconf looks alive or was started on another host, and obsconf namespaces/veths whose run is not in --runs-dir")
  .option("--dry-run", "list what would be removed, remove nothing")
  .addHelpText("after", EXIT_CODES)
  .action(async (options) => setExit(await (await import("./commands/cleanup.ts")).cleanupCommand(options)));

const SIGNING_HELP = `
Signatures: a DSSE envelope (payloadType application/vnd.in-toto+json) around an in-toto Statement
whose subject is the report's sha256 and whose predicate names the manifests' digest, the contract
version, obsconf's version, the runtime and the images. Keys are Ed25519 PEM files: 'obsconf keygen'
or 'openssl genpkey -algorithm ed25519 -out signoff.key && openssl pkey -in signoff.key -pubout -out signoff.pub'.`;

program
  .command("keygen")
  .description("write a new Ed25519 key pair for signing reports: <prefix>.key (0600) and <prefix>.pub")
  .requiredOption("--out <prefix>", "path prefix of the two files (never overwritten)")
  .addHelpText("after", `${SIGNING_HELP}${EXIT_CODES}`)
  .action(async (options) => setExit(await (await import("./commands/keygen.ts")).keygenCommand(options)));

program
  .command("sign")
  .description("sign a finished JSON report (run-result.json): writes <report>.intoto.json next to it")
  .argument("<report>", "the run-result.json to sign")
  .option("--key <file>", "Ed25519 private key PEM (default: the file named by $OBSCONF_SIGNING_KEY)")
  .addOption(manifestsOption())
  .option("--out <file>", "envelope path (default: the report's path with .json -> .intoto.json)")
  .addHelpText("after", `${SIGNING_HELP}${EXIT_CODES}`)
  .action(async (report: string, options) => setExit(await (await import("./commands/sign.ts")).signCommand(report, options)));

program
  .command("verify")
  .description("verify a signed report: the signature with --key, and that the report's bytes match the signed digest")
  .argument("<report>", "the run-result.json that was signed")
  .requiredOption("--key <file>", "Ed25519 public key PEM of the signer")
  .option("--sig <file>", "the DSSE envelope (default: the report's path with .json -> .intoto.json)")
  .option("--manifests <dir>", "also require the signed manifests digest to match this directory")
  .addHelpText(
    "after",
    `${SIGNING_HELP}${EXIT_CODES}
  (verify: 0 the signature verifies and the report's bytes match the signed digest; 1 they do not,
   with the reason; 2 an unreadable file, not an envelope, not a key)`,
  )
  .action(async (report: string, options) => setExit(await (await import("./commands/verify.ts")).verifyCommand(report, options)));

const report = program.command("report").description("work with written reports (see: report diff)").addHelpText("after", EXIT_CODES);
report
  .command("diff")
  .description("compare two runs' JSON reports check by check with the contract's regression bands; writes diff.json, diff.md, diff.html, diff-junit.xml")
  .argument("<baseline>", "run-result.json of the baseline (the last accepted run)")
  .argument("<current>", "run-result.json of the run to judge (same scenario and profile)")
  .option("--contract <file>", "the contract whose regression bands apply (default: assertions/contract.yaml)")
  .option("--out <dir>", "directory for the four diff files (default: reports/out/diff-<baseline>-vs-<current>); must not exist")
  .addHelpText(
    "after",
    `
A check regresses when its measurement moves past its band (latency p99 up, throughput down,
availability down, RPO/RTO up) even when both runs pass, or when its status gets worse (fail,
error, no longer verified against the real stack, missing).
${EXIT_CODES}
  (report diff: 0 no regression; 1 at least one regression; 2 an unreadable or invalid report,
   a different scenario or profile, a contract without regression bands)`,
  )
  .action(async (baseline: string, current: string, options) =>
    setExit(await (await import("./commands/report-diff.ts")).reportDiffCommand(baseline, current, options)),
  );

program
  .command("sink")
  .description("run a reference sink (loki | tempo) in the foreground; the local runtime starts these in place of an absent Loki or Tempo")
  .argument("<name>", "loki | tempo")
  .argument(
    "[args...]",
    "loki: --listen http=HOST:PORT [--drop-every N]; tempo: --listen http=… --listen otlp-grpc=… --listen otlp-http=… [--drop-span-every N]",
  )
  .allowUnknownOption()
  .helpOption("-h, --help")
  .addHelpText("after", EXIT_CODES)
  .action(async (name: string, args: string[]) => {
    if (name === "loki") await (await import("../stack/reference-sinks/loki/run-loki-sink.ts")).runLokiSinkFromArgs(args);
    else if (name === "tempo") await (await import("../stack/reference-sinks/tempo/tempo-sink-cli.ts")).runTempoSinkFromArgs(args);
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
