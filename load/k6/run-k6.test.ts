import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runK6, segments } from "./run-k6.ts";
import { K6_INPUTS_SCHEMA, type K6Inputs } from "./scripts/inputs-shape.ts";

/**
 * A stand-in `k6` (CommonJS, outside the package): answers `version`, and for `run` checks what
 * the runner passes (script, inputs via OBSCONF_K6_INPUTS, --out json=, segments) and writes k6
 * JSON output lines whose values depend on its execution segment. `mode` picks the exit.
 */
function fakeK6(mode: "ok" | "thresholds" | "hang" | "crash"): string {
  return `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
if (args[0] === "version") { console.log("k6 v1.4.0 (fake k6 for obsconf tests)"); process.exit(0); }
const at = (flag) => { const i = args.indexOf(flag); return i === -1 ? undefined : args[i + 1]; };
const out = at("--out").replace(/^json=/, "");
const segment = at("--execution-segment") ?? "0:1";
const script = args[args.length - 1];
fs.writeFileSync(out + ".pid", String(process.pid));
if (!fs.existsSync(script)) { console.error("no script " + script); process.exit(107); }
const inputs = JSON.parse(fs.readFileSync(process.env.OBSCONF_K6_INPUTS, "utf8"));
const ms = segment.startsWith("0:") ? 10 : 1000;
const lines = [JSON.stringify({ type: "Metric", metric: "http_req_duration", data: { name: "http_req_duration", type: "trend" } })];
for (let i = 0; i < 50; i++) lines.push(JSON.stringify({ type: "Point", metric: "http_req_duration", data: { time: new Date().toISOString(), value: ms, tags: { language: "promql", segment } } }));
lines.push(JSON.stringify({ type: "Point", metric: "obsconf_sent", data: { time: new Date().toISOString(), value: inputs.shapes["query-load"].users, tags: { unit: "samples" } } }));
fs.writeFileSync(out, lines.join("\\n") + "\\n");
console.error("segment " + segment + " sequence " + (at("--execution-segment-sequence") ?? "-"));
const mode = ${JSON.stringify(mode)};
if (mode === "hang") setInterval(() => {}, 1000);
else process.exit(mode === "ok" ? 0 : mode === "thresholds" ? 99 : 3);
`;
}

const QUERY_INPUTS: K6Inputs = {
  schema: K6_INPUTS_SCHEMA,
  contract: { file: "assertions/contract.yaml", version: "1.0.0" },
  profile: "ci",
  runStartedAtMs: Date.parse("2026-01-01T00:00:00Z"),
  gracefulStopSec: 0,
  shapes: {
    "query-load": {
      users: 2,
      durationSec: 1,
      timeoutMs: 10_000,
      queries: [{ language: "promql", name: "up", expr: "up", range: "instant", stepMs: 15_000, baseUrl: "http://127.0.0.1:1" }],
      thresholds: { "http_req_duration{language:promql}": ["p(99)<5000"] },
      sources: {},
    },
  },
  unavailable: { "loki-push": "no loki http endpoint in the started stack" },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "obsconf-k6-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function installFake(mode: Parameters<typeof fakeK6>[0]): Promise<string> {
  const bin = path.join(dir, "bin", "k6");
  await import("node:fs/promises").then((fs) => fs.mkdir(path.dirname(bin), { recursive: true }));
  await writeFile(bin, fakeK6(mode));
  await chmod(bin, 0o755);
  return bin;
}

const queryRun = (result: Extract<Awaited<ReturnType<typeof runK6>>, { status: "ran" }>) => result.shapes.find((s) => s.shape === "query-load");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("segments", () => {
  it("should split the test into equal execution segments", () => {
    expect(segments(1)).toEqual(["0:1"]);
    expect(segments(3)).toEqual(["0:1/3", "1/3:2/3", "2/3:1"]);
  });
});

describe("runK6", () => {
  it("should report unavailable with the reason when there is no k6 binary", async () => {
    const path0 = process.env.PATH;
    process.env.PATH = dir;
    try {
      expect(await runK6({ inputs: QUERY_INPUTS, workDir: path.join(dir, "run") })).toEqual({
        status: "unavailable",
        reason: "no k6 binary on PATH (build one with the xk6 extensions: load/k6/README.md)",
      });
    } finally {
      process.env.PATH = path0;
    }
    expect(await runK6({ inputs: QUERY_INPUTS, k6Bin: path.join(dir, "nope"), workDir: path.join(dir, "run") })).toEqual({
      status: "unavailable",
      reason: `k6 binary ${path.join(dir, "nope")} is not executable`,
    });
  });

  it("should run one k6 per generator with its segment and merge their latency as one histogram", async () => {
    const k6Bin = await installFake("ok");
    const workDir = path.join(dir, "run");
    const result = await runK6({ inputs: QUERY_INPUTS, k6Bin, workDir, generators: 2 });
    expect(result.status).toBe("ran");
    if (result.status !== "ran") return;
    expect(result.k6).toEqual({ path: k6Bin, version: "1.4.0" });
    const [loki, query] = result.shapes;
    expect(loki).toEqual({ shape: "loki-push", status: "unavailable", reason: "no loki http endpoint in the started stack" });
    expect(query).toMatchObject({ shape: "query-load", status: "passed" });
    if (query!.status === "unavailable") return;
    expect(query!.generators.map((g) => [g.generator, g.segment, g.exitCode, g.stderrTail.trim()])).toEqual([
      ["query-load-1", "0:1/2", 0, "segment 0:1/2 sequence 0,1/2,1"],
      ["query-load-2", "1/2:1", 0, "segment 1/2:1 sequence 0,1/2,1"],
    ]);
    const promql = query!.merged.latency.http_req_duration!.promql!;
    expect(promql.countByGenerator).toEqual({ "query-load-1": 50, "query-load-2": 50 });
    expect(promql.merged.p50).toBeCloseTo(10, 1);
    expect(promql.merged.p99).toBeCloseTo(1000, -1);
    expect(query!.merged.sent).toEqual({ samples: 4 });
    // The run directory holds what a ConfigMap would: the scripts and the inputs.
    expect(JSON.parse(await readFile(path.join(workDir, "k6-inputs.json"), "utf8"))).toEqual(QUERY_INPUTS);
    await expect(readFile(path.join(workDir, "query-load.ts"), "utf8")).resolves.toContain("export const options");
  });

  it("should call a threshold exit failed and any other exit an error with k6's last words", async () => {
    const failed = await runK6({ inputs: QUERY_INPUTS, k6Bin: await installFake("thresholds"), workDir: path.join(dir, "run") });
    expect(failed.status === "ran" && queryRun(failed)).toMatchObject({ status: "failed", reason: "thresholds failed on query-load-1" });
    const crashed = await runK6({ inputs: QUERY_INPUTS, k6Bin: await installFake("crash"), workDir: path.join(dir, "run2") });
    expect(crashed.status === "ran" && queryRun(crashed)).toMatchObject({ status: "error", reason: "query-load-1 exited 3: segment 0:1 sequence -" });
  });

  it("should kill a k6 that outlives its scenario and say so", async () => {
    const workDir = path.join(dir, "run");
    const result = await runK6({ inputs: QUERY_INPUTS, k6Bin: await installFake("hang"), workDir, slackMs: 300 });
    expect(result.status === "ran" && queryRun(result)).toMatchObject({ status: "error", reason: "query-load-1 did not finish in time and were killed" });
    const pid = Number(await readFile(path.join(workDir, "query-load-1.k6.json.pid"), "utf8"));
    expect(alive(pid)).toBe(false);
  });
});

const realK6 = (() => {
  try {
    return execFileSync("k6", ["version"], { encoding: "utf8", timeout: 5_000 });
  } catch {
    return undefined;
  }
})();
if (realK6 === undefined)
  console.log("run-k6.test.ts: live k6 run skipped: no k6 binary on PATH (k6 is not installable here; build one with xk6, see load/k6/README.md)");

describe("runK6 with a real k6", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it.skipIf(realK6 === undefined)(
    "should run the query-load script against a PromQL API and pass its contract thresholds",
    async () => {
      let requests = 0;
      server = createServer((_req, res) => {
        requests += 1;
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"success","data":{"resultType":"vector","result":[]}}');
      });
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const inputs: K6Inputs = {
        ...QUERY_INPUTS,
        shapes: {
          "query-load": { ...QUERY_INPUTS.shapes["query-load"]!, durationSec: 2, queries: [{ ...QUERY_INPUTS.shapes["query-load"]!.queries[0]!, baseUrl }] },
        },
      };
      const result = await runK6({ inputs, workDir: path.join(dir, "run"), shapes: ["query-load"], generators: 2, slackMs: 30_000 });
      expect(result.status === "ran" && queryRun(result)).toMatchObject({ shape: "query-load", status: "passed" });
      expect(requests).toBeGreaterThan(0);
    },
    60_000,
  );
});
