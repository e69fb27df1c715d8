import { appendFile, chmod, cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TOOLS_DIR } from "./component-recipes.ts";
import { componentsCacheRoot, lookupProvisioned } from "./provision-cache.ts";
import { provisionComponents } from "./provision-components.ts";
import type { Toolchain } from "./toolchain.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../manifests");

/**
 * A fake Go and Maven: shell scripts that log each call and do what provisioning relies on (go build
 * writes one executable per package into -o DIR/, printing the version stamped with -X; mvn writes the
 * jars), so the cache logic runs without a toolchain or a network.
 */
const FAKE_GO = `#!/bin/sh
echo "go $*" >> "$FAKE_LOG"
[ -n "$FAKE_GO_FAIL" ] && case "$*" in *"$FAKE_GO_FAIL"*) echo "go: network is unreachable" >&2; exit 1;; esac
if [ "$1" = build ]; then
  version=$(echo "$*" | sed -n 's/.*version\\.Version=\\([^ ]*\\).*/\\1/p')
  [ -n "$FAKE_VERSION" ] && version=$FAKE_VERSION
  out=""; prev=""; pkgs=""
  for a in "$@"; do
    if [ "$prev" = "-o" ]; then out=$a; elif [ "$a" != "-o" ]; then case "$a" in -*|build) ;; *) pkgs="$pkgs $a";; esac; fi
    prev=$a
  done
  for p in $pkgs; do
    name=$(basename "$p")
    printf '#!/bin/sh\\necho "%s, version %s (branch: HEAD)"\\n' "$name" "$version" > "$out$name"
    chmod +x "$out$name"
  done
fi
exit 0
`;

const FAKE_MVN = `#!/bin/sh
echo "mvn $*" >> "$FAKE_LOG"
for a in "$@"; do
  case "$a" in -DoutputDirectory=*) out=\${a#-DoutputDirectory=};; -Dkafka.version=*) v=\${a#-Dkafka.version=};; esac
done
mkdir -p "$out" && touch "$out/kafka_2.13-$v.jar" "$out/kafka-clients-$v.jar"
`;

describe("provisionComponents with a fake toolchain", () => {
  let dir: string;
  let root: string;
  let toolsDir: string;
  let log: string;
  let toolchain: Toolchain;
  let lines: string[];
  const logger = {
    debug() {},
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(`warn: ${m}`),
    error: (m: string) => lines.push(`error: ${m}`),
  };
  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", FAKE_LOG: log, ...extra });
  const calls = async () => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-provision-test-"));
    root = path.join(dir, "cache");
    toolsDir = path.join(dir, "tools");
    log = path.join(dir, "calls.log");
    await cp(TOOLS_DIR, toolsDir, { recursive: true });
    await writeFile(path.join(dir, "go"), FAKE_GO);
    await writeFile(path.join(dir, "mvn"), FAKE_MVN);
    await chmod(path.join(dir, "go"), 0o755);
    await chmod(path.join(dir, "mvn"), 0o755);
    toolchain = {
      go: { ok: true, path: path.join(dir, "go"), version: "go1.26.0" },
      mvn: { ok: true, path: path.join(dir, "mvn"), version: "Apache Maven 3.8.7" },
      java: { ok: true, path: "/usr/bin/java", version: "Java 17" },
    };
    lines = [];
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const provision = (only: string[], extraEnv: Record<string, string> = {}, more: { toolchain?: Toolchain } = {}) =>
    provisionComponents({ manifestsDir: MANIFESTS, only, root, toolsDir, toolchain: more.toolchain ?? toolchain, env: env(extraEnv), logger });

  it("should build at the manifest's version into <root>/<component>/<tag>/, printing each step with its duration", async () => {
    const [outcome] = await provision(["node-exporter"]);
    expect(outcome).toMatchObject({ component: "node-exporter", tag: "v1.9.1", outcome: "provisioned", dir: path.join(root, "node-exporter", "v1.9.1") });
    const provenance = JSON.parse(await readFile(path.join(root, "node-exporter", "v1.9.1", "provenance.json"), "utf8"));
    expect(provenance).toMatchObject({
      component: "node-exporter",
      tag: "v1.9.1",
      toolchain: "go1.26.0",
      binaries: { node_exporter: "bin/node_exporter" },
      source: "github.com/prometheus/node_exporter@v1.9.1 from the Go module proxy",
    });
    const goCalls = await calls();
    expect(goCalls[0]).toBe("go mod edit -require=github.com/prometheus/node_exporter@v1.9.1");
    expect(goCalls[1]).toMatch(
      /^go build -trimpath -ldflags=-s -w -X github\.com\/prometheus\/common\/version\.Version=1\.9\.1 .* -o .*\/bin\/ github\.com\/prometheus\/node_exporter$/,
    );
    expect(lines).toContain("setup: node-exporter v1.9.1: node_exporter --version: node_exporter, version 1.9.1 (branch: HEAD)");
    expect(lines.filter((l) => / \.\.\.$/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /: done in \d/.test(l))).toHaveLength(2);
    expect(await lookupProvisioned("node-exporter", "v1.9.1", { root, toolsDir })).toMatchObject({ state: "ready" });
  });

  it("should reuse a cached build without running the toolchain again", async () => {
    await provision(["node-exporter", "kafka"]);
    const before = (await calls()).length;
    lines = [];
    const outcomes = await provision(["node-exporter", "kafka"]);
    expect(outcomes.map((o) => [o.component, o.outcome])).toEqual([
      ["kafka", "cached"],
      ["node-exporter", "cached"],
    ]);
    expect((await calls()).length).toBe(before);
    expect(lines.some((l) => l.startsWith("setup: kafka 4.0.0: cached in "))).toBe(true);
  });

  it("should rebuild when a project-owned input of the recipe changed since the cached build", async () => {
    await provision(["node-exporter"]);
    await appendFile(path.join(toolsDir, "node-exporter", "go.mod"), "\n// changed\n");
    expect(await lookupProvisioned("node-exporter", "v1.9.1", { root, toolsDir })).toMatchObject({
      state: "stale",
      reason: expect.stringContaining("built from an older recipe"),
    });
    const [outcome] = await provision(["node-exporter"]);
    expect(outcome?.outcome).toBe("provisioned");
  });

  it("should record why a component could not be provisioned and say what the runtime falls back to", async () => {
    const [outcome] = await provision(
      ["alertmanager"],
      {},
      { toolchain: { ...toolchain, go: { ok: false, reason: "no go on PATH or at /usr/local/go/bin/go" } } },
    );
    expect(outcome).toMatchObject({ outcome: "failed", reason: "go: no go on PATH or at /usr/local/go/bin/go" });
    expect(await lookupProvisioned("alertmanager", "v0.28.1", { root, toolsDir })).toMatchObject({
      state: "failed",
      failure: { reason: "go: no go on PATH or at /usr/local/go/bin/go" },
    });
    expect(lines).toContain(
      "warn: setup: alertmanager v0.28.1: the local runtime falls back to a alertmanager binary on PATH (Debian's package, shown as a version difference) or reports it unavailable; run obsconf setup components again once fixed",
    );
  });

  it("should keep the toolchain's own last words when a step fails (an unreachable registry)", async () => {
    const [outcome] = await provision(["node-exporter"], { FAKE_GO_FAIL: "build" });
    expect(outcome?.outcome).toBe("failed");
    expect(outcome?.outcome === "failed" && outcome.reason).toMatch(
      /go build github\.com\/prometheus\/node_exporter .* failed \(exit code 1\); its last output:\ngo: network is unreachable$/,
    );
    expect(await lookupProvisioned("node-exporter", "v1.9.1", { root, toolsDir })).toMatchObject({ state: "failed" });
  });

  it("should refuse a binary whose --version does not name the manifest's version", async () => {
    const [outcome] = await provision(["node-exporter"], { FAKE_VERSION: "0.0.1" });
    expect(outcome?.outcome === "failed" && outcome.reason).toBe(
      'setup: node-exporter v1.9.1: node_exporter --version does not name 1.9.1: "node_exporter, version 0.0.1 (branch: HEAD)"',
    );
  });

  it("should fetch Kafka's jars with Maven at the manifest's version", async () => {
    const [outcome] = await provision(["kafka"]);
    expect(outcome).toMatchObject({ component: "kafka", tag: "4.0.0", outcome: "provisioned" });
    expect((await calls())[0]).toMatch(
      /^mvn -B -q -f .*\/kafka\/pom\.xml -Dkafka\.version=4\.0\.0 dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=.*\/libs$/,
    );
  });

  it("should vendor Prometheus and build it with the service-discovery overlay", async () => {
    await provision(["prometheus"]);
    const goCalls = await calls();
    expect(goCalls.slice(0, 2)).toEqual(["go mod edit -require=github.com/prometheus/prometheus@v0.305.0", "go mod vendor"]);
    expect(goCalls[2]).toMatch(
      / -mod=vendor -overlay=.*overlay\.json -o .*\/bin\/ github\.com\/prometheus\/prometheus\/cmd\/prometheus github\.com\/prometheus\/prometheus\/cmd\/promtool$/,
    );
    expect(goCalls[2]).toContain("-X github.com/prometheus/common/version.Version=3.5.0");
  });
});

describe("componentsCacheRoot", () => {
  it.each([
    [{ OBSCONF_COMPONENTS_CACHE: "/x/c", XDG_CACHE_HOME: "/xdg", HOME: "/h" }, "/x/c"],
    [{ XDG_CACHE_HOME: "/xdg", HOME: "/h" }, "/xdg/obsconf/components"],
    [{ XDG_CACHE_HOME: "relative", HOME: "/h" }, "/h/.cache/obsconf/components"],
    [{ HOME: "/h" }, "/h/.cache/obsconf/components"],
  ])("should resolve %j to %s", (env, expected) => {
    expect(componentsCacheRoot(env)).toBe(expected);
  });
});
