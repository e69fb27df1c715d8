import type { ManifestSet } from "../../stack/manifest/load-manifests.ts";
import type { CheckResult, Evidence } from "../run-result.ts";
import { reviewCredentials } from "./credentials.ts";
import { reviewImages } from "./images.ts";
import { reviewNetworkPolicies } from "./network-policies.ts";
import { reviewPodSecurity, reviewReadOnlyRoot } from "./pod-security.ts";
import { reviewRbac, reviewServiceAccountTokens } from "./rbac.ts";
import { reviewResources } from "./resources.ts";
import { formatRules } from "./rule-refs.ts";
import { SECURITY_CHECK_IDS, type SecurityCheckId, type SecurityFinding, type SecurityReview } from "./security-finding.ts";
import { reviewTls, type TlsOptions } from "./tls.ts";

export const SECURITY_CHECK_TITLES: Record<SecurityCheckId, string> = {
  "security.credentials": "No default or literal credentials; credentials in Secrets, mounted as files",
  "security.rbac": "RBAC least privilege for the stack's ServiceAccounts",
  "security.service-account-tokens": "No API token in pods that have no role",
  "security.network-policies": "NetworkPolicies admit each component's clients only",
  "security.pod-security": "Pod Security Standards restricted (non-root, no privilege escalation, capabilities dropped, seccomp)",
  "security.read-only-root": "Read-only root filesystems",
  "security.resources": "CPU and memory requests and limits",
  "security.tls": "Encryption in transit on the ingestion endpoints",
  "security.images": "Images pinned to exact versions",
};

export interface SecurityCheckOptions extends TlsOptions {
  /** When the review ran (ISO time of the results); default now. */
  nowMs?: number;
}

/** Every security finding of a manifest set (pure: the loaded manifests in, data out). */
export function reviewSecurity(set: ManifestSet, options: TlsOptions = {}): SecurityReview {
  const reviews = [
    reviewCredentials(set),
    reviewRbac(set),
    reviewServiceAccountTokens(set),
    reviewNetworkPolicies(set),
    reviewPodSecurity(set),
    reviewReadOnlyRoot(set),
    reviewResources(set),
    reviewTls(set, options),
    reviewImages(set),
  ];
  return { findings: reviews.flatMap((r) => r.findings), exemptions: reviews.flatMap((r) => r.exemptions), scope: reviews.flatMap((r) => r.scope) };
}

/** `stack/manifests/grafana.yaml document 5 (Deployment monitoring/grafana container grafana) field ...: expected ..., saw ... [rules]`. */
export function formatFinding(f: SecurityFinding): string {
  return `${f.file} document ${f.document} (${f.object}) field ${f.field}: expected ${f.expected}, saw ${f.seen} [${formatRules(f.rules)}]`;
}

/**
 * The `security.*` check group as CheckResults, one per check id: `fail` with every finding
 * (object, field, expected, seen, the anchors' rules) as evidence, else `pass` with what was
 * looked at and the declared exemptions. Static: it reads the manifests, never a running stack.
 */
export function securityChecks(set: ManifestSet, options: SecurityCheckOptions = {}): CheckResult[] {
  const review = reviewSecurity(set, options);
  const startedAt = new Date(options.nowMs ?? Date.now()).toISOString();
  return SECURITY_CHECK_IDS.map((id): CheckResult => {
    const findings = review.findings.filter((f) => f.check === id);
    const exemptions = review.exemptions.filter((e) => e.check === id);
    const evidence: Evidence[] = [
      ...findings.map((f): Evidence => ({ kind: "file", text: formatFinding(f) })),
      ...review.scope.filter((s) => s.check === id).map((s): Evidence => ({ kind: "note", text: `checked: ${s.text}` })),
      ...exemptions.map(
        (e): Evidence => ({ kind: "note", text: `exempted by annotation: ${e.object} ${e.what}: ${e.reason} (${e.file}) [${formatRules(e.rules)}]` }),
      ),
    ];
    const reason =
      findings.length === 0
        ? undefined
        : `${findings.length} finding${findings.length === 1 ? "" : "s"}: ${findings
            .slice(0, 3)
            .map((f) => `${f.object} ${f.field}: expected ${f.expected}, saw ${f.seen}`)
            .join("; ")}${findings.length > 3 ? "; ..." : ""}`;
    return {
      id,
      title: SECURITY_CHECK_TITLES[id],
      pillar: "config",
      status: findings.length === 0 ? "pass" : "fail",
      ...(reason ? { reason } : {}),
      measured: { value: findings.length, unit: "findings" },
      evidence,
      startedAt,
      durationMs: 0,
    };
  });
}
