import type { RuleRef } from "./rule-refs.ts";

export const SECURITY_CHECK_IDS = [
  "security.credentials",
  "security.rbac",
  "security.service-account-tokens",
  "security.network-policies",
  "security.pod-security",
  "security.read-only-root",
  "security.resources",
  "security.tls",
  "security.images",
] as const;
export type SecurityCheckId = (typeof SECURITY_CHECK_IDS)[number];

/** One violation: which object and field, what was expected and what was seen, and the anchors' rules. */
export interface SecurityFinding {
  check: SecurityCheckId;
  /** `Kind namespace/name`, plus `container <name>` when it is one container's field. */
  object: string;
  file: string;
  document: number;
  field: string;
  expected: string;
  seen: string;
  rules: RuleRef[];
}

/** A deviation the manifests declare with a reason (an exemption annotation), reported as evidence, not as a failure. */
export interface SecurityExemption {
  check: SecurityCheckId;
  object: string;
  file: string;
  what: string;
  reason: string;
  rules: RuleRef[];
}

/** What one group of checks looked at, for the evidence of a passing check. */
export interface SecurityScope {
  check: SecurityCheckId;
  text: string;
}

export interface SecurityReview {
  findings: SecurityFinding[];
  exemptions: SecurityExemption[];
  scope: SecurityScope[];
}

/**
 * Exemption annotations (on a pod template, a ClusterRole or a NetworkPolicy); the value is the
 * reason, which the report prints. An empty reason is no exemption.
 */
export const EXEMPT = {
  runsAsRoot: "security.obsconf.dev/runs-as-root",
  hostPath: "security.obsconf.dev/host-path",
  writableRootFilesystem: "security.obsconf.dev/writable-root-filesystem",
  readsSecrets: "security.obsconf.dev/reads-secrets",
  clientsOutsideNamespace: "security.obsconf.dev/clients-outside-namespace",
} as const;
