import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLoadScenario } from "./run-load.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../stack/manifests");

/**
 * A stand-in `k6` (no real k6 can be installed here): answers `version`, and for `run` writes 20
 * `obsconf_push_duration` points for its script's scenario plus an `obsconf_sent` count, then
 * exits 0. It sends nothing: the receiver's counter does not rise, so the check must not pass.
 */
const FAKE_K6 = `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
if (args[0] === "version") { console.log("k6 v1.4.0 (fake k6 for obsconf tests)"); process.exit(0); }
const out = args[args.indexOf("--out") + 1].replace(/^json=/, "");
const script = args[args.length - 1];
const scenario = { "remote-write.ts": "remote_write_at_offered_rate", "loki-push.ts": "loki_push_at_offered_rate", "otlp-traces.ts": "otlp_traces_at_offered_rate" }[require("node:path").basename(script)];
const lines = [];
for (let i = 1; i <= 20; i++) lines.push(JSON.stringify({ type: "Point", metric: "obsconf_push_duration", data: { time: new Date().toISOString(), value: i, tags: { scenario } } }));
lines.push(JSON.stringify({ type: "Point", metric: "obsconf_sent", data: { time: new Date().toISOString(), value: 1234, tags: { unit: "bytes", scenario } } }));
fs.writeFileSync(out, lines.join("\\n") + "\\n");
process.exit(0);
`;

const binaries = ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager"];
const skip = !binaries.every((b) => existsSync(b));
if (skip) console.warn(`skipping the run load --generator k6 scenario test: ${binaries.filter((b) => !existsSync(b)).join(", ")} not installed`);

describe.skipIf(skip)("runLoadScenario with generator k6 (local, fake k6 binary)", () => {
  let dir: string;
  beforeEach(async () => void (dir = await mkdtemp(path.join(tmpdir(), "obsconf-load-k6-"))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("should run the k6 shape through runK6, judge at the receiver's counter, and add k6's merged push latency to the evidence", async () => {
    const k6 = path.join(dir, "bin", "k6");
    await mkdir(path.dirname(k6), { recursive: true });
    await writeFile(k6, FAKE_K6);
    await chmod(k6, 0o755);
    const result = await runLoadScenario({
      runtime: { runtime: "local", reason: "test" },
      profile: "ci",
      durationMs: 1_000,
      manifestsDir: MANIFESTS,
      runsDir: path.join(dir, "runs"),
      only: ["throughput.logs"],
      generator: "k6",
      bins: { k6 },
    });
    expect(result.checks.map((c) => c.id)).toEqual(["throughput.logs"]);
    const logs = result.checks[0]!;
    const evidence = logs.evidence.map((e) => e.text);
    // 1..20 ms, one HDR histogram (3 significant digits): the percentiles of the merged points, not an average.
    expect(evidence).toContain("k6 loki-push push latency (HDR merged over 1 generator(s), 20 pushes): p50 10.007ms, p95 19.007ms, p99 20.015ms, max 20ms");
    expect(evidence).toContain(
      "k6's own CPU and RSS are not measured (the generator line's CPU and RSS are not readings); sends count k6's pushes, whose failures k6 judges in its obsconf_push_failed threshold",
    );
    expect(evidence).toContain("generator: k6 (local k6 processes), load/k6/scripts");
    expect(evidence.some((t) => t.startsWith(`k6 1.4.0 at ${k6}: thresholds passed; 0 dropped iterations; outputs in `))).toBe(true);
    // The fake sent nothing: the receiver's counter did not rise by the target, so the check is never a pass.
    expect(logs.status).not.toBe("pass");
    expect(logs.status).not.toBe("simulated");
    expect(logs.status).toBe("fail");
    expect(logs.reason).toMatch(/^accepted 0 bytes\/s < target 11574\.07 bytes\/s .*bound by receiver: receiver counted 0 units but acknowledged 1234;/);
    expect(evidence.some((t) => t.includes("loki_distributor_bytes_received_total"))).toBe(true);
  }, 120_000);
});
