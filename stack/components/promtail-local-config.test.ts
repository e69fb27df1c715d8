import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { extractComponents, type ComponentSpec } from "../manifest/component-spec.ts";
import { loadManifests } from "../manifest/load-manifests.ts";
import { rewriteMountPaths } from "../runtimes/local/loopback-rewrite.ts";
import { podLogFile } from "../runtimes/local/pod-log-path.ts";
import type { LocalPod } from "./component-def.ts";
import { COMPONENT_NAMES } from "./index.ts";
import { adaptPromtailConfig } from "./promtail-local-config.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../manifests");
const POD: LocalPod = {
  name: "obsconf-log-canary",
  namespace: "obsconf-agents",
  uid: "7b0c1d2e-0000-4000-8000-000000000001",
  containerName: "canary",
  labels: { "app.kubernetes.io/name": "obsconf-agent-canary" },
};

interface Relabel {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}

/** Prometheus' `replace` relabelling (the only action the manifest uses), applied by hand. */
function relabel(labels: Record<string, string>, rules: readonly Relabel[]): Record<string, string> {
  const out = { ...labels };
  for (const rule of rules) {
    expect(rule.action ?? "replace").toBe("replace");
    const value = (rule.source_labels ?? []).map((l) => out[l] ?? "").join(rule.separator ?? ";");
    const match = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`).exec(value);
    if (!match) continue;
    const replaced = (rule.replacement ?? "$1").replace(/\$(\d+)/g, (_m, n: string) => match[Number(n)] ?? "");
    if (replaced === "") delete out[rule.target_label!];
    else out[rule.target_label!] = replaced;
  }
  return out;
}

/**
 * What Promtail does to its config file with -config.expand-env=true (drone/envsubst, parse/scan.go):
 * `$$` is a literal `$`; `${NAME}` and `$NAME` (letters, digits, `_`, `-`) are environment variables,
 * empty when unset, so a bare `$1` is lost; `\\` and `\/` lose their backslash.
 */
function expandEnvLikePromtail(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([^}]*)\}|\$([\p{L}\p{N}_-]+)|\\([\\/])/gu, (match, braced?: string, bare?: string, escaped?: string) => {
    if (match === "$$") return "$";
    if (escaped !== undefined) return escaped;
    const name = braced ?? bare!;
    expect(name).toMatch(/^[\p{L}\p{N}_-]+$/u); // no ${NAME:-default} forms in the manifest
    return env[name] ?? "";
  });
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^/]*")}$`,
  );
}

describe("expandEnvLikePromtail", () => {
  it("should follow drone/envsubst on the forms the manifest uses", () => {
    expect(expandEnvLikePromtail("a ${HOSTNAME} $HOSTNAME $1 $$1 *$$1/x \\\\ \\/ \\s $", { HOSTNAME: "n" })).toBe("a n n  $1 *$1/x \\ / \\s $");
  });
});

describe("adaptPromtailConfig", () => {
  let spec: ComponentSpec;
  let root: string;
  beforeAll(async () => {
    spec = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES).find((s) => s.name === "promtail")!;
    root = await mkdtemp(path.join(tmpdir(), "obsconf-promtail-"));
  });
  afterAll(async () => void (root && (await rm(root, { recursive: true, force: true }))));

  function adapted(notes: string[] = []): {
    scrape_configs: {
      job_name: string;
      static_configs: { targets: string[]; labels: Record<string, string> }[];
      relabel_configs: Relabel[];
      kubernetes_sd_configs?: unknown;
      pipeline_stages: unknown[];
    }[];
  } {
    const file = spec.container.mounts.flatMap((m) => (m.kind === "config" ? m.files : [])).find((f) => f.path.endsWith("promtail.yaml"))!;
    const podLogDir = path.join(root, "var", "log", "pods");
    // What the local runtime does first: the /var/log/pods hostPath points at the run's stand-in.
    const text = rewriteMountPaths(file.content, [{ containerPath: "/var/log/pods", localPath: podLogDir }]);
    const local = adaptPromtailConfig(text, { services: [], pods: [POD], podLogDir, note: (line) => notes.push(line) });
    // Promtail reads the file through its env expansion when the manifest asks for it (it does: ${HOSTNAME}).
    expect(spec.container.args).toContain("-config.expand-env=true");
    return parse(expandEnvLikePromtail(local, { HOSTNAME: "node-1" }));
  }

  it("should replace kubernetes_sd_configs with one static group per harness pod carrying role pod's labels", () => {
    const notes: string[] = [];
    const job = adapted(notes).scrape_configs[0]!;
    expect(job.kubernetes_sd_configs).toBeUndefined();
    expect(job.static_configs).toEqual([
      {
        targets: ["localhost"],
        labels: {
          __meta_kubernetes_namespace: "obsconf-agents",
          __meta_kubernetes_pod_name: "obsconf-log-canary",
          __meta_kubernetes_pod_uid: POD.uid,
          __meta_kubernetes_pod_container_name: "canary",
          __meta_kubernetes_pod_ready: "true",
          __meta_kubernetes_pod_phase: "Running",
          __meta_kubernetes_pod_label_app_kubernetes_io_name: "obsconf-agent-canary",
          __meta_kubernetes_pod_labelpresent_app_kubernetes_io_name: "true",
        },
      },
    ]);
    expect(job.pipeline_stages[0]).toEqual({ cri: {} });
    expect(notes).toEqual([
      `promtail: scrape job kubernetes-pods: kubernetes_sd_configs (role pod) -> 1 static target group(s) with the same __meta_kubernetes_* labels (harness pods: obsconf-agents/obsconf-log-canary); their log files are under ${path.join(root, "var", "log", "pods")}`,
    ]);
  });

  it("should let the manifest's relabelling give labels and a __path__ that matches the pod's log file", async () => {
    const job = adapted().scrape_configs[0]!;
    const labels = relabel(job.static_configs[0]!.labels, job.relabel_configs);
    expect({ namespace: labels.namespace, pod: labels.pod, container: labels.container, service: labels.service }).toEqual({
      namespace: "obsconf-agents",
      pod: "obsconf-log-canary",
      container: "canary",
      service: "obsconf-agent-canary",
    });
    expect(labels.__path__).toBe(`${root}/var/log/pods/*${POD.uid}/canary/*.log`);
    expect(podLogFile(root, { ...POD, container: POD.containerName })).toMatch(globToRegExp(labels.__path__!));
    expect(podLogFile(root, { ...POD, uid: "another-uid", container: POD.containerName })).not.toMatch(globToRegExp(labels.__path__!));
  });
});
