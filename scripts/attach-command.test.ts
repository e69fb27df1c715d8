import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../assertions/run-result.ts";
import { runCli, StartedCli } from "./test-support/run-cli.ts";

const skip = existsSync("/usr/bin/prometheus") ? undefined : "/usr/bin/prometheus is not installed (apt-get install prometheus)";
if (skip) console.warn(`skipping the attach acceptance test: ${skip}`);

/** A fast subset of conformance: config, the push, pull and long-term metrics paths, logs (push, tail, agents), a trace by id, the PromQL suite. */
const SUBSET = "config.prometheus,metrics.ingestion,logs.ingestion,traces.ingestion.by-id,query.promql";
/** Checks that need obsconf to control the stack's processes or configuration. */
const NEEDS_CONTROL = ["metrics.ingestion.pull", "logs.ingestion.agent", "alerts.delivery.slack"];
const ATTACH_WHY = "attach: obsconf does not control the processes: ";

const readResult = (dir: string): RunResult => JSON.parse(readFileSync(path.join(dir, "run-result.json"), "utf8"));

/**
 * The acceptance of attach mode: a stack started by `obsconf up` in another process, its endpoints
 * written to a file, checked by `run conformance --runtime attach`, gives the verdicts a normal run
 * of the same checks gives, except the checks that need control of the processes, which say why.
 */
describe.skipIf(skip)("obsconf run conformance --runtime attach against obsconf up in another process", () => {
  let dir: string;
  let attached: RunResult;
  let normal: RunResult;
  let endpointsFile: string;
  let fileGoneAfterStop = false;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-attach-cli-"));
    endpointsFile = path.join(dir, "endpoints.yaml");
    {
      await using up = StartedCli.start(["up", "--runtime", "local", "--runs-dir", path.join(dir, "runs-up"), "--endpoints-out", endpointsFile]);
      await up.waitForLine(/^endpoints file: /, { timeoutMs: 120_000 });
      const run = await runCli(
        [
          "run",
          "conformance",
          "--runtime",
          "attach",
          "--endpoints",
          endpointsFile,
          "--only",
          `${SUBSET},alerts.delivery.slack`,
          "--runs-dir",
          path.join(dir, "runs-attach"),
          "--out",
          path.join(dir, "out-attach"),
        ],
        { timeoutMs: 300_000 },
      );
      if (run.code === 2) throw new Error(`attach run: ${run.stderr}`);
      attached = readResult(path.join(dir, "out-attach"));
      up.signal("SIGINT");
      await up.waitForExit({ timeoutMs: 60_000 });
      fileGoneAfterStop = !existsSync(endpointsFile);
    }
    const run = await runCli(
      ["run", "conformance", "--runtime", "local", "--only", SUBSET, "--runs-dir", path.join(dir, "runs-local"), "--out", path.join(dir, "out-local")],
      { timeoutMs: 300_000 },
    );
    if (run.code === 2) throw new Error(`normal run: ${run.stderr}`);
    normal = readResult(path.join(dir, "out-local"));
  }, 720_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("should give the normal run's verdict for every check that needs no control over the processes", () => {
    const status = (r: RunResult) => Object.fromEntries(r.checks.filter((c) => !NEEDS_CONTROL.includes(c.id)).map((c) => [c.id, c.status]));
    console.info(`normal: ${JSON.stringify(status(normal))}\nattach: ${JSON.stringify(status(attached))}`);
    expect(Object.keys(status(normal)).length).toBeGreaterThanOrEqual(8);
    expect(status(attached)).toEqual(status(normal));
    expect(attached.runtime).toEqual({ name: "attach", reason: `--runtime attach (endpoints from ${endpointsFile}; obsconf started nothing)` });
  });

  it("should say why each check that needs control over the processes did not run", () => {
    const byId = (id: string) => attached.checks.find((c) => c.id === id)!;
    expect(byId("metrics.ingestion.pull")).toMatchObject({
      status: "unavailable",
      reason: `${ATTACH_WHY}the pull path needs Prometheus to scrape the harness's canary target, which only the stack's own scrape configuration can add`,
    });
    expect(byId("logs.ingestion.agent")).toMatchObject({
      status: "unavailable",
      reason: `${ATTACH_WHY}the agent path needs the harness to write a pod's log file on the node the agents read, which only a stack obsconf started offers`,
    });
    expect(byId("alerts.delivery.slack")).toMatchObject({
      status: "unavailable",
      reason: expect.stringMatching(new RegExp(`^${ATTACH_WHY}alert delivery needs Alertmanager's receivers pointed at the harness's sinks`)),
    });
    expect(normal.checks.find((c) => c.id === "metrics.ingestion.pull")!.status).toBe("pass");
  });

  it("should report the attached components as attached (stand-ins as substitutes) and the overrides as not applied, and up should remove its endpoints file when it stops", () => {
    const prometheus = attached.inventory.find((i) => i.component === "prometheus")!;
    expect(prometheus.runAs).toBe("attached");
    for (const entry of normal.inventory.filter((i) => i.runAs === "substitute")) {
      expect(attached.inventory.find((i) => i.component === entry.component)).toMatchObject({ runAs: "substitute", substitute: entry.substitute });
    }
    expect(attached.overrides?.every((o) => o.startsWith("not applied (attach: obsconf does not control the processes): "))).toBe(true);
    expect(fileGoneAfterStop).toBe(true);
  });
});
