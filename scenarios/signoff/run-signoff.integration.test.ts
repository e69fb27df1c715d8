import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadContract } from "../../assertions/contract.ts";
import { contractRowDefs } from "../../assertions/contract-rows.ts";
import type { RunResult } from "../../assertions/run-result.ts";
import { selectRuntime } from "../../stack/runtimes/select-runtime.ts";
import { SECURITY_CHECK_IDS } from "../../assertions/security/security-finding.ts";
import { runScenario } from "../shared/run-backbone.ts";
import { signoffScenario } from "./run-signoff.ts";

const skip = !existsSync("/usr/bin/prometheus");
if (skip) console.warn("skipping the sign-off composite test: /usr/bin/prometheus is not installed (apt-get install prometheus)");
const REPO = path.resolve(import.meta.dirname, "../..");

/**
 * The sign-off's one run on one stack, shortened to one check of each part (the CLI refuses `--only`
 * and the local runtime; the composite itself takes both, which is what makes it testable here): the
 * conformance, load and chaos parts' checks land in one strict RunResult, the load part's under
 * `load.`, with one verdict per contract row; it cannot sign off and says why.
 */
describe.skipIf(skip)("signoffScenario on the local runtime at the ci profile, one check per part", () => {
  let dir: string;
  let run: RunResult;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-signoff-run-"));
    run = await runScenario(signoffScenario({ faults: ["delay:prometheus:200ms"], manifestsDir: path.join(REPO, "stack", "manifests") }), {
      runtime: selectRuntime("local"),
      profile: "ci",
      manifestsDir: path.join(REPO, "stack", "manifests"),
      runsDir: path.join(dir, "runs"),
      only: ["config.prometheus.retention", "load.throughput.metrics", "chaos.", "security."],
    });
  }, 400_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("should hold every part's checks in one strict RunResult, the load part's prefixed", () => {
    expect(run.scenario).toBe("signoff");
    expect(run.strict).toBe(true);
    const ids = run.checks.map((c) => c.id);
    expect(ids).toContain("config.prometheus.retention");
    expect(ids).toContain("load.throughput.metrics");
    expect(ids).toContain("chaos.delay:prometheus:200ms.rpo.metrics");
    expect(ids).toContain("chaos.availability");
    expect(ids.filter((id) => id.startsWith("security."))).toEqual(SECURITY_CHECK_IDS.filter((id) => id.startsWith("security.")).sort());
    expect(ids.filter((id) => id.startsWith("throughput."))).toEqual([]);
    const throughput = run.checks.find((c) => c.id === "load.throughput.metrics")!;
    expect(throughput.title).toMatch(/^Metrics throughput at the profile's rate/);
    expect(throughput.target?.source).toBe(
      "assertions/contract.yaml#targets.throughput.metricsSamplesPerSec x profiles.ci.load.offeredFraction.metrics (0.005)",
    );
  });

  it("should judge every contract row from the checks that measured it, and not be eligible", () => {
    const rows = run.contractRows!;
    expect(rows.map((r) => r.key)).toEqual(contractRowDefs(loadContract()).map((d) => d.key));
    const retention = rows.find((r) => r.key === "retention.prometheus")!;
    expect(retention.evidence).toEqual([
      { checkId: "config.prometheus.retention", status: run.checks.find((c) => c.id === "config.prometheus.retention")!.status },
    ]);
    expect(rows.find((r) => r.key === "throughput.metricsSamplesPerSec")!.evidence.map((e) => e.checkId)).toEqual(["load.throughput.metrics"]);
    expect(rows.find((r) => r.key === "rpo.metrics")!.evidence.map((e) => e.checkId)).toEqual(["chaos.delay:prometheus:200ms.rpo.metrics"]);
    expect(rows.find((r) => r.key === "retention.loki")).toMatchObject({ status: "unavailable", reason: "no check of this run measured it", evidence: [] });
    expect(run.signOff.eligible).toBe(false);
    expect(run.signOff.blockers).toContain("profile ci is not the documented profile");
    expect(run.signOff.blockers).toContain("the local runtime runs Debian/upstream binaries, not the manifests' images");
    expect(run.signOff.blockers).toContain(
      "contract row retention.loki (Configuration / Loki Configuration: Retention: 30 days default retention) was measured by no check of this run",
    );
    expect(run.verdict).not.toBe("pass");
  });
});
