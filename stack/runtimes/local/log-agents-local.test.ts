import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LocalRuntime, type StartedLocalStack } from "./local-runtime.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

/**
 * A stand-in `promtail` (the real one is not installed here): answers `-version`, records the argv
 * and the config file it was given (read at start, as Promtail does) in $HOME, serves /ready.
 */
const FAKE_PROMTAIL = `#!/usr/bin/env node
const fs = require("node:fs");
const http = require("node:http");
const args = process.argv.slice(2);
if (args.includes("-version")) { console.log("promtail, version 2.8.0 (fake for obsconf tests)"); process.exit(0); }
const value = (flag) => args.find((a) => a.startsWith(flag + "="))?.slice(flag.length + 1);
const configFile = value("-config.file");
fs.writeFileSync(process.env.HOME + "/fake-promtail.json", JSON.stringify({ args, configFile, config: fs.readFileSync(configFile, "utf8") }));
http.createServer((req, res) => { res.writeHead(req.url === "/ready" ? 200 : 404); res.end("ready"); }).listen(Number(value("-server.http-listen-port")), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`;

/** A stand-in `vector`: answers `--version`, records argv and config, serves /health on the api address. */
const FAKE_VECTOR = `#!/usr/bin/env node
const fs = require("node:fs");
const http = require("node:http");
const args = process.argv.slice(2);
if (args.includes("--version")) { console.log("vector 0.34.0 (fake for obsconf tests)"); process.exit(0); }
const configFile = args.find((a) => a.startsWith("--config=")).slice("--config=".length);
const config = fs.readFileSync(configFile, "utf8");
fs.writeFileSync(process.env.HOME + "/fake-vector.json", JSON.stringify({ args, configFile, config }));
const [, host, port] = /^api:\\n(?:  .*\\n)*?  address: ([\\d.]+):(\\d+)$/m.exec(config);
http.createServer((req, res) => { res.writeHead(req.url === "/health" ? 200 : 404); res.end("ok"); }).listen(Number(port), host);
process.on("SIGTERM", () => process.exit(0));
`;

describe("LocalRuntime with a log agent (a fake promtail via bins)", () => {
  let dir: string;
  let stack: StartedLocalStack;
  const pod = {
    name: "obsconf-log-canary",
    namespace: "obsconf-agents",
    uid: "7b0c1d2e-0000-4000-8000-000000000001",
    container: "canary",
    labels: { "app.kubernetes.io/name": "obsconf-agent-canary" },
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-agents-test-"));
    const fake = path.join(dir, "promtail");
    await writeFile(fake, FAKE_PROMTAIL);
    await chmod(fake, 0o755);
    stack = await LocalRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir: path.join(dir, "runs"),
      bins: { promtail: fake },
      only: ["promtail"],
      extraPods: [pod],
      readyTimeoutMs: 20_000,
    });
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("should start promtail with the rewritten config file in the run dir, discovery static and paths under the run's node root", async () => {
    expect(stack.components().find((c) => c.plan.component === "promtail")!.status.state).toBe("ready");
    const seen = JSON.parse(await readFile(path.join(stack.runDir, "promtail", "fake-promtail.json"), "utf8")) as {
      args: string[];
      configFile: string;
      config: string;
    };
    expect(seen.configFile).toBe(path.join(stack.runDir, "promtail", "fs", "etc", "promtail", "promtail.yaml"));
    expect(seen.config).toBe(await readFile(seen.configFile, "utf8"));
    const config = parse(seen.config) as {
      positions: { filename: string };
      scrape_configs: {
        kubernetes_sd_configs?: unknown;
        static_configs: { labels: Record<string, string> }[];
        relabel_configs: { target_label: string; replacement?: string }[];
      }[];
    };
    const job = config.scrape_configs[0]!;
    expect(job.kubernetes_sd_configs).toBeUndefined();
    expect(job.static_configs.map((g) => [g.labels.__meta_kubernetes_pod_uid, g.labels.__meta_kubernetes_pod_container_name])).toEqual([[pod.uid, "canary"]]);
    expect(stack.nodeRootDir).toBe(path.join(stack.runDir, "node"));
    expect(job.relabel_configs.find((r) => r.target_label === "__path__")!.replacement).toBe(`${stack.nodeRootDir}/var/log/pods/*$$1/*.log`);
    expect(config.positions.filename).toBe(`${stack.nodeRootDir}/run/promtail/positions.yaml`);
    // The pod's (empty) log file exists before the agent starts, as on a node.
    expect(await readFile(`${stack.nodeRootDir}/var/log/pods/${pod.namespace}_${pod.name}_${pod.uid}/canary/0.log`, "utf8")).toBe("");
  });

  it("should print the hostPath and discovery rewrites", () => {
    const rewrites = stack.rewrites();
    expect(rewrites).toContain(
      `promtail: hostPath /var/log/pods (mounted at /var/log/pods) -> ${stack.nodeRootDir}/var/log/pods (the run's stand-in for the node's directory)`,
    );
    expect(rewrites).toContain(
      `promtail: hostPath /run/promtail (mounted at /run/promtail) -> ${stack.nodeRootDir}/run/promtail (the run's stand-in for the node's directory)`,
    );
    expect(
      rewrites.filter((line) => line.startsWith("promtail: scrape job kubernetes-pods: kubernetes_sd_configs (role pod) -> 1 static target group(s)")),
    ).toHaveLength(1);
  });
});

describe("LocalRuntime with a log agent (a fake vector via bins)", () => {
  let dir: string;
  let stack: StartedLocalStack;
  const pod = { name: "obsconf-log-canary", namespace: "obsconf-agents", uid: "7b0c1d2e-0000-4000-8000-000000000002", container: "canary" };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-agents-test-"));
    const fake = path.join(dir, "vector");
    await writeFile(fake, FAKE_VECTOR);
    await chmod(fake, 0o755);
    stack = await LocalRuntime.start({
      manifestsDir: MANIFESTS,
      runsDir: path.join(dir, "runs"),
      bins: { vector: fake },
      only: ["vector"],
      extraPods: [pod],
      readyTimeoutMs: 20_000,
    });
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("should start vector with a file source over the run's pod log directory feeding the CRI remap", async () => {
    expect(stack.components().find((c) => c.plan.component === "vector")!.status.state).toBe("ready");
    const seen = JSON.parse(await readFile(path.join(stack.runDir, "vector", "fake-vector.json"), "utf8")) as { configFile: string; config: string };
    expect(seen.configFile).toBe(path.join(stack.runDir, "vector", "fs", "etc", "vector", "vector.yaml"));
    const config = parse(seen.config) as {
      data_dir: string;
      sources: Record<string, { type: string; include?: string[] }>;
      transforms: Record<string, { inputs: string[] }>;
    };
    expect(config.sources.kubernetes_logs).toEqual({
      type: "file",
      include: [`${stack.nodeRootDir}/var/log/pods/*/*/*.log`],
      read_from: "beginning",
      fingerprint: { strategy: "device_and_inode" },
    });
    expect(config.transforms.parse_logs!.inputs).toEqual(["kubernetes_logs_cri", "http_logs"]);
    expect(config.data_dir).toBe(path.join(stack.runDir, "vector", "fs", "vector-data-dir"));
    expect(stack.rewrites()).toContain(
      `vector: hostPath /var/log (mounted at /var/log) -> ${stack.nodeRootDir}/var/log (the run's stand-in for the node's directory)`,
    );
  });
});
