import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../assertions/run-result.ts";
import { selectRuntime } from "../../stack/runtimes/select-runtime.ts";
import { runChaos } from "./run-chaos.ts";

const skip = !existsSync("/usr/bin/prometheus");
if (skip) console.warn("skipping the chaos drill logs test: /usr/bin/prometheus is not installed (apt-get install prometheus)");
const REPO = path.resolve(import.meta.dirname, "../..");

/**
 * The negative control for logs and traces: an ack-and-drop proxy in front of Loki (Tempo), here
 * their reference sinks, fails `rpo.logs` (`rpo.traces`) with the exact lost seqs, marked as going
 * through the sink, while metrics in the same phase lose nothing. A contract copy with 5 s ingestion targets keeps the wait short.
 */
describe.skipIf(skip)("runChaos --fault ack-drop:loki --fault ack-drop:tempo@otlp-http", () => {
  let dir: string;
  let run: RunResult;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-chaos-logs-"));
    const contract = readFileSync(path.join(REPO, "assertions", "contract.yaml"), "utf8").replace(/^(\s+(?:metrics|logs|traces)): 30s$/gm, "$1: 5s");
    await writeFile(path.join(dir, "contract.yaml"), contract);
    run = await runChaos({
      runtime: selectRuntime("local"),
      profile: "ci",
      manifestsDir: path.join(REPO, "stack", "manifests"),
      runsDir: path.join(dir, "runs"),
      faults: ["ack-drop:loki", "ack-drop:tempo@otlp-http"],
      contractFile: path.join(dir, "contract.yaml"),
    });
  }, 180_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("should fail the logs RPO with the lost seqs and keep the metrics RPO at 0", () => {
    const logs = run.checks.find((c) => c.id === "chaos.ack-drop:loki.rpo.logs")!;
    expect(logs.status).toBe("fail");
    expect(logs.reason).toMatch(/^\d+ acknowledged writes lost although ack-drop:loki keeps the data: seq \d+-\d+/);
    expect(logs.simulatedBy ?? []).toEqual(
      run.inventory.find((i) => i.component === "loki")?.runAs === "substitute" ? ["loki-reference-sink (standing in for loki)"] : [],
    );
    const metrics = run.checks.find((c) => c.id === "chaos.ack-drop:loki.rpo.metrics")!;
    expect(metrics.status).toBe("pass");
    expect(run.checks.map((c) => c.id)).not.toContain("chaos.ack-drop:loki.alert");
    expect(run.timeline?.series.map((s) => s.name)).toContain("logs canary latency (write -> readable)");
  });

  it("should fail the traces RPO of an ack-and-drop in front of Tempo's OTLP/HTTP port with the lost seqs", () => {
    const traces = run.checks.find((c) => c.id === "chaos.ack-drop:tempo@otlp-http.rpo.traces")!;
    expect(traces.status).toBe("fail");
    expect(traces.reason).toMatch(/^\d+ acknowledged writes lost although ack-drop:tempo@otlp-http keeps the data: seq \d+-\d+/);
    expect(run.checks.find((c) => c.id === "chaos.ack-drop:tempo@otlp-http.rto.traces")?.measured?.value).toBeGreaterThan(9_000);
  });
});
