import type { MountSpec } from "../../stack/manifest/component-spec.ts";
import type { AlertmanagerManifest } from "../alerting-manifest.ts";
import type { CheckResult, Evidence } from "../run-result.ts";
import { base, notRun } from "./check-builder.ts";
import { identityOf } from "./check-catalog.ts";

/**
 * The receivers' own fields, read from the manifest before the harness re-points them at its sinks
 * (which replaces URLs, SMTP hosts and some credentials, so a mistake there would never show in a run):
 * - every `*_file` is a file mounted into the alertmanager container from a Secret or ConfigMap
 *   (and a file that holds a URL holds one that parses);
 * - every URL parses as an absolute http(s) URL, every `smarthost` is host:port;
 * - TLS settings are coherent: no CA with `insecure_skip_verify`, a client certificate with its key,
 *   no `tls_config` on a plain-http URL, and SMTP auth only over TLS (`require_tls`).
 * `global` is checked the same way (its `*_file`, URLs and `http_config` apply to every receiver).
 */
export interface ReceiverFinding {
  /** The receiver's name, or `global`. */
  receiver: string;
  /** e.g. `pagerduty_configs[0].routing_key_file`. */
  field: string;
  expected: string;
  seen: string;
}

export interface ReceiverReview {
  findings: ReceiverFinding[];
  /** One line per field that was checked and found right. */
  checked: string[];
  receivers: number;
}

/** Fields holding a URL Alertmanager parses at load (`config.URL` / `SecretURL`). */
const URL_KEYS = new Set(["url", "api_url", "webhook_url", "proxy_url", "token_url"]);
/** `*_file` fields whose file holds a URL. */
const URL_FILE_KEYS = new Set(["url_file", "api_url_file", "webhook_url_file", "slack_api_url_file"]);
const SMTP_AUTH_KEYS = ["auth_username", "auth_password", "auth_password_file", "auth_secret", "auth_identity"];

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

export function reviewReceivers(manifest: AlertmanagerManifest): ReceiverReview {
  const findings: ReceiverFinding[] = [];
  const checked: string[] = [];
  const files = mountedFiles(manifest.mounts);
  const global = isNode(manifest.config.global) ? manifest.config.global : {};
  const review = (receiver: string, node: Node, path: string) => {
    const find = (field: string, expected: string, seen: string) => findings.push({ receiver, field, expected, seen });
    walk(node, path, (key, value, field) => {
      if (key.endsWith("_file") && typeof value === "string") {
        const file = files.get(value);
        if (!file)
          return find(field, "a file mounted into the alertmanager container from a Secret or ConfigMap", `${value} (${whereIs(value, manifest.mounts)})`);
        checked.push(`${receiver}: ${field} ${value}: mounted from ${file.from}`);
        if (file.content.trim() === "") find(field, "a file with a value", `${value} is empty in ${file.from}`);
        else if (URL_FILE_KEYS.has(key)) {
          const problem = urlProblem(file.content.trim());
          if (problem)
            find(field, "a file holding an absolute http(s) URL", `${value} (${file.from}) holds ${JSON.stringify(file.content.trim())}: ${problem}`);
        }
        return;
      }
      if ((URL_KEYS.has(key) || (receiver === "global" && field === key && key.endsWith("_url"))) && typeof value === "string" && !value.includes("{{")) {
        const problem = urlProblem(value);
        if (problem) find(field, "an absolute http(s) URL", `${JSON.stringify(value)}: ${problem}`);
        else checked.push(`${receiver}: ${field} ${value}: parses`);
        return;
      }
      if ((key === "smarthost" || key === "smtp_smarthost") && typeof value === "string") {
        if (!/^(\[[^\]]+\]|[^\s:[\]]+):([0-9]+|[a-z][a-z0-9-]*)$/.test(value)) find(field, "host:port", JSON.stringify(value));
        else checked.push(`${receiver}: ${field} ${value}: host:port`);
        return;
      }
      if (key === "tls_config" && isNode(value)) findings.push(...tlsProblems(field, value, node).map((f) => ({ receiver, ...f })));
    });
  };
  review("global", global, "");
  const receivers = manifest.config.receivers ?? [];
  for (const receiver of receivers) {
    for (const [kind, configs] of Object.entries(receiver)) {
      if (!kind.endsWith("_configs") || !Array.isArray(configs)) continue;
      configs.forEach((cfg, i) => {
        if (!isNode(cfg)) return;
        const path = `${kind}[${i}]`;
        review(receiver.name, cfg, path);
        if (kind === "email_configs") {
          const problem = smtpAuthProblem(cfg, global);
          if (problem) findings.push({ receiver: receiver.name, field: `${path}.require_tls`, ...problem });
        }
      });
    }
  }
  return { findings, checked, receivers: receivers.length };
}

/** `config.alertmanager.receivers`: `fail` naming receiver, field, expected and seen for each finding. */
export function alertmanagerReceiversCheck({ manifest, nowMs }: { manifest: AlertmanagerManifest | undefined; nowMs: number }): CheckResult {
  const identity = identityOf("config.alertmanager.receivers", nowMs);
  if (!manifest) return notRun(identity, "unavailable", "the manifests have no alertmanager workload");
  const { findings, checked, receivers } = reviewReceivers(manifest);
  const evidence: Evidence[] = [
    { kind: "file", text: `${manifest.source}: ${receivers} receivers, as written (before the harness points them at its sinks)` },
    ...checked.map((text): Evidence => ({ kind: "note", text })),
    ...findings.map((f): Evidence => ({ kind: "note", text: describeFinding(f) })),
  ];
  return {
    ...base(identity, nowMs),
    status: findings.length === 0 ? "pass" : "fail",
    ...(findings.length === 0
      ? {}
      : { reason: `${findings.length} receiver finding${findings.length === 1 ? "" : "s"}: ${findings.map(describeFinding).join("; ")}` }),
    target: { comparator: "==", value: 0, unit: "findings", source: `${manifest.source} receivers` },
    measured: { value: findings.length, unit: "findings", note: `${checked.length} fields checked in ${receivers} receivers and global` },
    evidence,
  };
}

export function describeFinding(f: ReceiverFinding): string {
  return `receiver ${f.receiver}: ${f.field}: expected ${f.expected}, seen ${f.seen}`;
}

function walk(node: Node, path: string, visit: (key: string, value: unknown, field: string) => void): void {
  for (const [key, value] of Object.entries(node)) {
    const field = path === "" ? key : `${path}.${key}`;
    visit(key, value, field);
    if (isNode(value)) walk(value, field, visit);
    else if (Array.isArray(value)) for (const [i, item] of value.entries()) if (isNode(item)) walk(item, `${field}[${i}]`, visit);
  }
}

function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "not an absolute URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `unsupported scheme ${JSON.stringify(url.protocol.replace(/:$/, ""))}`;
  if (url.hostname === "") return "no host";
  return undefined;
}

function tlsProblems(field: string, tls: Node, config: Node): Omit<ReceiverFinding, "receiver">[] {
  const out: Omit<ReceiverFinding, "receiver">[] = [];
  const ca = tls.ca_file ?? tls.ca;
  if (tls.insecure_skip_verify === true && ca !== undefined) {
    out.push({
      field: `${field}.insecure_skip_verify`,
      expected: "false when a CA is configured (insecure_skip_verify ignores it)",
      seen: `true with ${tls.ca_file !== undefined ? `ca_file ${String(tls.ca_file)}` : "ca"}`,
    });
  }
  const cert = tls.cert_file ?? tls.cert;
  const key = tls.key_file ?? tls.key;
  if (cert !== undefined && key === undefined)
    out.push({ field: `${field}.key_file`, expected: "the client certificate's key (key_file or key)", seen: `cert_file ${String(cert)} without a key` });
  if (key !== undefined && cert === undefined)
    out.push({
      field: `${field}.cert_file`,
      expected: "the client certificate (cert_file or cert) for key_file",
      seen: `key ${String(key)} without a certificate`,
    });
  // The URL is on the receiver config that holds http_config.tls_config.
  const urls = [config.url, config.api_url, config.webhook_url].filter((u): u is string => typeof u === "string" && !u.includes("{{"));
  if (urls.length > 0 && urls.every((u) => u.startsWith("http://")))
    out.push({ field, expected: "TLS settings only on an https URL", seen: `tls_config with ${urls.join(", ")} (never used)` });
  return out;
}

function smtpAuthProblem(cfg: Node, global: Node): { expected: string; seen: string } | undefined {
  const requireTls = cfg.require_tls ?? global.smtp_require_tls ?? true;
  if (requireTls !== false) return undefined;
  const auth = SMTP_AUTH_KEYS.filter((k) => cfg[k] !== undefined);
  const globalAuth = ["smtp_auth_username", "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret"].filter((k) => global[k] !== undefined);
  if (auth.length === 0 && globalAuth.length === 0) return undefined;
  return {
    expected: "true when SMTP auth is configured (credentials must not cross the network in clear text; Go's PLAIN auth refuses it)",
    seen: `require_tls false with ${[...auth, ...globalAuth.map((k) => `global.${k}`)].join(", ")}`,
  };
}

interface MountedFile {
  from: string;
  content: string;
}

function mountedFiles(mounts: readonly MountSpec[]): Map<string, MountedFile> {
  const files = new Map<string, MountedFile>();
  for (const m of mounts)
    if (m.kind === "config") for (const f of m.files) files.set(f.path, { from: `${m.from.kind} ${m.from.name} (key ${f.key})`, content: f.content });
  return files;
}

/** Why a path is not a mounted Secret/ConfigMap file, naming what is mounted. */
function whereIs(path: string, mounts: readonly MountSpec[]): string {
  const under = mounts.find((m) => path.startsWith(`${m.mountPath.replace(/\/$/, "")}/`) || path === m.mountPath);
  if (under?.kind === "config")
    return `${under.from.kind} ${under.from.name} is mounted at ${under.mountPath} but has no such key (keys: ${under.files.map((f) => f.path.slice(under.mountPath.length + 1)).join(", ")})`;
  if (under) return `under ${under.mountPath}, a ${under.kind === "host" ? "hostPath" : "data"} volume (${under.volume}), not a Secret or ConfigMap`;
  const mounted = mounts.map((m) => `${m.mountPath}${m.kind === "config" ? ` (${m.from.kind} ${m.from.name})` : ""}`);
  return `mounted nowhere; the container mounts ${mounted.join(", ") || "nothing"}`;
}
