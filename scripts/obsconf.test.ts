import { accessSync, constants, existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../common/poll-until.ts";
import { COMPONENT_NAMES, componentDef, extractComponents, loadManifests } from "../stack/index.ts";
import { findJava, lookupProvisioned, mainBinaryOf, recipeFor } from "../stack/provision/index.ts";
import { acceptsTcp, describeProcesses, isAlive, parseTable, runCli, StartedCli } from "./test-support/run-cli.ts";

/** The stack of stack/manifests, in plan order: the spec this file checks the CLI against. */
const STACK = [
  "prometheus",
  "mimir",
  "node-exporter",
  "kube-state-metrics",
  "loki",
  "promtail",
  "vector",
  "tempo",
  "otel-collector",
  "grafana",
  "alertmanager",
  "kafka",
];
const DEBIAN_BINARIES = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager", "/usr/bin/prometheus-node-exporter"];
const haveDebianBinaries = DEBIAN_BINARIES.every((b) => existsSync(b));
if (!haveDebianBinaries)
  console.warn(
    `skipping the obsconf plan and up tests: ${DEBIAN_BINARIES.filter((b) => !existsSync(b)).join(", ")} not installed (apt-get install prometheus prometheus-alertmanager prometheus-node-exporter)`,
  );

const PLAN_HEADERS = ["component", "manifest image", "runs as", "binary / substitute", "from", "version", "note"];
const UP_HEADERS = ["component", "runs as", "from", "state", "version", "note"];
const ENDPOINT_HEADERS = ["component", "port", "endpoint"];
const READY_LINE = /^obsconf up: \d+ components running\. Press Ctrl-C to stop\.$/;
const STOPPED = "obsconf up: stopped; no component process is left running.";
const EXIT_CODES = [
  "Exit codes:",
  "  0  success (every check that ran passed)",
  "  1  a check failed (or a component failed to start under 'up')",
  "  2  bad input (manifest, contract, scenario, flag) or a harness error",
].join("\n");

/** The first executable of `names` on PATH, as `obsconf plan` looks binaries up. */
function firstOnPath(names: readonly string[]): string | undefined {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      try {
        accessSync(path.join(dir, name), constants.X_OK);
        return path.join(dir, name);
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

let tags: Record<string, string> | undefined;
async function manifestTags(): Promise<Record<string, string>> {
  tags ??= Object.fromEntries(
    extractComponents(await loadManifests(path.resolve(import.meta.dirname, "../stack/manifests")), COMPONENT_NAMES).map((s) => [s.name, s.image.tag]),
  );
  return tags;
}

type Expected = { runsAs: "process" | "simulated" | "unavailable"; binary?: string };

/** What `plan` should say for a component, from the component cache and the binaries installed here. */
async function expectedPlan(component: string): Promise<Expected> {
  const def = componentDef(component);
  const tag = (await manifestTags())[component]!;
  const cached = await lookupProvisioned(component, tag);
  const recipe = recipeFor(component);
  const blocked = def.localBlocker !== undefined && !(def.unblockedByKubeconfig && process.env.OBSCONF_KUBECONFIG);
  if (blocked) return { runsAs: "unavailable" };
  if (cached?.state === "ready" && recipe) {
    const main = mainBinaryOf(recipe);
    if (main) return { runsAs: "process", binary: path.join(cached.dir, cached.provenance.binaries[main]!) };
    const java = await findJava();
    if (java.ok) return { runsAs: "process", binary: java.path };
  }
  const binary = firstOnPath(def.binaries);
  if (binary) return { runsAs: "process", binary };
  for (const substitute of def.substitutes ?? []) {
    const sub = substitute.binaries === "builtin" ? process.execPath : firstOnPath(substitute.binaries);
    if (sub) return { runsAs: "simulated", binary: `${substitute.name} (${sub})` };
  }
  return { runsAs: "unavailable" };
}

describe("obsconf command line", () => {
  it("should exit 2 for up --runtime k3s when k3s cannot start here, saying why and how to find out what is missing", async () => {
    const started = performance.now();
    const result = await runCli(["up", "--runtime", "k3s"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toMatch(/^obsconf: error: k3s runtime cannot start: .+; obsconf plan --runtime k3s lists the images and how to preload them$/m);
    // The probe is bounded (3 s per engine call); the whole command must not hang on an engine or a pull.
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("should exit 2 with the exact error for an unknown --runtime", async () => {
    const result = await runCli(["plan", "--runtime", "nope"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe('obsconf: error: command line: field --runtime: expected one of local, k3s, cluster, auto, saw "nope"\n');
  });

  it("should exit 2 on an unknown flag, naming it, followed by the command's help", async () => {
    const help = await runCli(["plan", "--help"]);
    const result = await runCli(["plan", "--bogus"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe(`error: unknown option '--bogus'\n\n${help.stdout}`);
  });

  it("should exit 2 with the exact error for a --bin without name=", async () => {
    const result = await runCli(["plan", "--bin", "foo"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe('obsconf: error: command line: field --bin: expected name=path, e.g. --bin loki=/opt/loki/bin/loki, saw "foo"\n');
  });

  it("should exit 2 with the exact error for a negative --ready-timeout, before starting anything", async () => {
    const result = await runCli(["up", "--ready-timeout", "-1"]);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe('obsconf: error: command line: field --ready-timeout: expected a positive number of seconds, saw "-1"\n');
  });

  it("should exit 0 on --help for obsconf and for every command it lists, each documenting the exit codes", async () => {
    const root = await runCli(["--help"]);
    const commands = [...root.stdout.matchAll(/^ {2}([a-z][a-z-]*) [[<]/gm)].map((m) => m[1]!).filter((c) => c !== "help");
    expect(commands).toEqual(expect.arrayContaining(["plan", "validate", "up"]));
    for (const command of ["", ...commands]) {
      const result = command === "" ? root : await runCli([command, "--help"]);
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: "" });
      expect({ command, help: result.stdout }).toEqual({ command, help: expect.stringMatching(new RegExp(`^Usage: obsconf ${command}`)) });
      expect({ command, help: result.stdout }).toEqual({ command, help: expect.stringContaining(EXIT_CODES) });
    }
    // One process per command (each a few seconds on a loaded 2-core machine): more than the default 60 s.
  }, 180_000);
});

describe.skipIf(!haveDebianBinaries)("obsconf plan --runtime local", () => {
  it("should list every component once, with how it runs here and a summary that adds up", async () => {
    const result = await runCli(["plan", "--runtime", "local"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.split("\n")[0]).toBe("runtime: local (--runtime local)");
    const rows = parseTable(result.stdout, PLAN_HEADERS);
    expect(rows.map((r) => r.component)).toEqual(STACK);

    const expected = Object.fromEntries(await Promise.all(STACK.map(async (c) => [c, await expectedPlan(c)] as const)));
    for (const row of rows) {
      const want = expected[row.component!]!;
      expect({ component: row.component, runsAs: row["runs as"] }).toEqual({ component: row.component, runsAs: want.runsAs });
      if (want.binary) expect({ component: row.component, binary: row["binary / substitute"] }).toEqual({ component: row.component, binary: want.binary });
    }
    const row = (component: string) => rows.find((r) => r.component === component);
    for (const component of ["prometheus", "alertmanager", "node-exporter"]) expect(row(component)).toMatchObject({ "runs as": "process" });
    const victoriaMetrics = firstOnPath(["victoria-metrics"]);
    if (victoriaMetrics && !firstOnPath(["mimir"]))
      expect(row("mimir")).toMatchObject({ "runs as": "simulated", "binary / substitute": `victoria-metrics (${victoriaMetrics})` });
    if (!firstOnPath(["loki"]))
      expect(row("loki")).toMatchObject({ "runs as": "simulated", "binary / substitute": `loki-reference-sink (${process.execPath})` });
    if (!firstOnPath(["promtail"]))
      expect(row("promtail")).toMatchObject({ "runs as": "unavailable", note: "no promtail on PATH (name one with --bin promtail=PATH)" });

    const count = (runsAs: Expected["runsAs"]) => Object.values(expected).filter((e) => e.runsAs === runsAs).length;
    expect(
      result.stdout.endsWith(`\n\n12 components: ${count("process")} process, ${count("simulated")} simulated, ${count("unavailable")} unavailable\n`),
    ).toBe(true);
  });
});

interface UpOutput {
  components: Record<string, string>[];
  endpoints: { component: string; port: string; url: string }[];
  ready: string[];
}

/** Reads `up`'s two tables from what it printed before "Press Ctrl-C to stop." */
function parseUp(stdout: string): UpOutput {
  const components = parseTable(stdout, UP_HEADERS);
  const endpoints = parseTable(stdout, ENDPOINT_HEADERS).map((r) => ({ component: r.component!, port: r.port!, url: r.endpoint! }));
  return { components, endpoints, ready: components.filter((c) => c.state!.startsWith("ready (")).map((c) => c.component!) };
}

function endpointOf(up: UpOutput, component: string, port: string): string {
  const found = up.endpoints.find((e) => e.component === component && e.port === port);
  if (!found) throw new Error(`no ${component} ${port} endpoint in ${JSON.stringify(up.endpoints)}`);
  return found.url;
}

async function promQuery(prometheus: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(2000) });
  const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== "success") throw new Error(`HTTP ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body.data.result;
}

/** After `up` exited: every pid it ever had is gone and no endpoint port accepts a connection. */
async function expectNothingLeft(pids: readonly number[], up: UpOutput): Promise<void> {
  // A child that outlives obsconf by a moment (tsx's esbuild service) is reparented to init and stays a
  // zombie until init reaps it, so "gone" (kill -0 gives ESRCH) is awaited, bounded; a live leftover never gets there.
  const gone = await pollUntil(
    "every obsconf pid gone",
    async () => pids.filter(isAlive),
    (alive) => alive.length === 0,
    { timeoutMs: 5000, intervalMs: 100 },
  ).then(
    () => true,
    () => false,
  );
  expect(gone ? [] : await describeProcesses(pids.filter(isAlive))).toEqual([]);
  const open = [];
  for (const e of up.endpoints) if (await acceptsTcp(Number(new URL(e.url).port))) open.push(e.url);
  expect(open).toEqual([]);
}

describe.skipIf(!haveDebianBinaries)("obsconf up (real Prometheus, Alertmanager, node-exporter)", () => {
  let runsDir: string;

  beforeAll(async () => {
    runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-cli-test-"));
  });

  afterAll(async () => {
    await rm(runsDir, { recursive: true, force: true });
  });

  it.each(["SIGINT", "SIGTERM"] as const)(
    "should bring the stack up, scrape node-exporter, and leave nothing running after %s",
    async (signal) => {
      await using cli = StartedCli.start(["up", "--runs-dir", runsDir]);
      const readyLine = await cli.waitForLine(READY_LINE, { timeoutMs: 60_000 });
      const readyLineAfterMs = cli.elapsedMs();
      const up = parseUp(cli.stdout);
      expect(up.components.map((c) => c.component).sort()).toEqual([...STACK].sort());
      expect(up.ready).toEqual(expect.arrayContaining(["prometheus", "alertmanager", "node-exporter"]));
      expect(readyLine).toBe(`obsconf up: ${up.ready.length} components running. Press Ctrl-C to stop.`);
      expect(cli.stdout).toMatch(/\nrun directory: .+ \(config, data and logs of every component\)\n/);

      const children = await cli.descendants();
      expect(children.length).toBeGreaterThanOrEqual(up.ready.length);

      const prometheus = endpointOf(up, "prometheus", "web");
      const alertmanager = endpointOf(up, "alertmanager", "web");
      const sample = await pollUntil(
        'up{job="node-exporter"} == 1',
        () => promQuery(prometheus, 'up{job="node-exporter"}'),
        (result) => result.some((r) => r.value[1] === "1"),
        { timeoutMs: Math.max(0, 40_000 - cli.elapsedMs()), intervalMs: 250 },
      );
      const upAfterMs = cli.elapsedMs();
      expect(sample.map((r) => r.value[1])).toEqual(["1"]);
      expect(sample[0]!.metric).toMatchObject({ job: "node-exporter", instance: new URL(endpointOf(up, "node-exporter", "metrics")).host });

      const alertmanagers = await pollUntil(
        "Prometheus's active alertmanagers",
        async () =>
          (
            (await (await fetch(`${prometheus}/api/v1/alertmanagers`, { signal: AbortSignal.timeout(2000) })).json()) as {
              data: { activeAlertmanagers: { url: string }[] };
            }
          ).data.activeAlertmanagers,
        (active) => active.length > 0,
        { timeoutMs: 10_000, intervalMs: 250 },
      );
      expect(alertmanagers.map((a) => a.url)).toEqual([`${alertmanager}/api/v2/alerts`]);

      const pids = [cli.pid, ...(await cli.descendants())];
      const signalledAtMs = cli.elapsedMs();
      cli.signal(signal);
      const exit = await cli.waitForExit({ timeoutMs: 30_000 });
      const stopMs = cli.elapsedMs() - signalledAtMs;
      console.log(
        `obsconf up (${signal}): ready line after ${readyLineAfterMs}ms, up{job="node-exporter"} == 1 after ${upAfterMs}ms from spawn (acceptance: within 30000ms), stopped ${stopMs}ms after ${signal}`,
      );
      expect({ exit, stderr: cli.stderr }).toMatchObject({ exit: { code: 0, signal: null } });
      expect(cli.stdout.split("\n").slice(-4)).toEqual(["", `obsconf up: ${signal} received, stopping...`, STOPPED, ""]);
      expect(cli.stderr).not.toMatch(/obsconf: (harness|uncaught) error/);
      await expectNothingLeft(pids, up);
    },
    120_000,
  );

  it("should keep the rest of the stack up when one binary fails, show its own error, and exit 1 after SIGTERM", async () => {
    const fake = path.join(runsDir, "fake-prometheus");
    await writeFile(fake, '#!/bin/sh\necho "fake prometheus: bad flag" >&2\nexit 3\n');
    await chmod(fake, 0o755);
    await using cli = StartedCli.start(["up", "--runs-dir", runsDir, "--bin", `prometheus=${fake}`]);
    const readyLine = await cli.waitForLine(READY_LINE, { timeoutMs: 60_000 });
    console.log(`obsconf up with a failing prometheus: ready line after ${cli.elapsedMs()}ms`);
    const up = parseUp(cli.stdout);
    expect(up.components.find((c) => c.component === "prometheus")).toMatchObject({
      "runs as": "process",
      state: "error",
      note: "prometheus exited before it was ready (exit code 3); its last output:",
    });
    expect(up.ready).toEqual(expect.arrayContaining(["alertmanager", "node-exporter"]));
    expect(readyLine).toBe(`obsconf up: ${up.ready.length} components running. Press Ctrl-C to stop.`);
    expect(up.endpoints.map((e) => e.component)).not.toContain("prometheus");
    expect(cli.stdout).toContain(
      "\nprometheus failed to start:\nprometheus exited before it was ready (exit code 3); its last output:\nfake prometheus: bad flag\n",
    );
    const runDir = /\nrun directory: (.+) \(config, data and logs of every component\)\n/.exec(cli.stdout)![1]!;
    expect(await readFile(path.join(runDir, "prometheus", "stderr.log"), "utf8")).toBe("fake prometheus: bad flag\n");

    const pids = [cli.pid, ...(await cli.descendants())];
    expect(pids.length).toBeGreaterThanOrEqual(1 + up.ready.length);
    cli.signal("SIGTERM");
    const exit = await cli.waitForExit({ timeoutMs: 30_000 });
    expect({ exit, stderr: cli.stderr }).toMatchObject({ exit: { code: 1, signal: null } });
    expect(cli.stdout.split("\n").slice(-4)).toEqual(["", "obsconf up: SIGTERM received, stopping...", STOPPED, ""]);
    await expectNothingLeft(pids, up);
  }, 120_000);
});
