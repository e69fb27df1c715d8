import type { ManifestSet, SourcedObject } from "../../stack/manifest/load-manifests.ts";
import { describeObject, objectsOfKind, podWorkloads } from "./manifest-walk.ts";
import { RULES, type RuleRef } from "./rule-refs.ts";
import { EXEMPT, type SecurityExemption, type SecurityFinding, type SecurityReview } from "./security-finding.ts";

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  nonResourceURLs?: string[];
  resourceNames?: string[];
}
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
interface Binding {
  source: SourcedObject;
  roleRef: { kind: string; name: string };
  subjects: Subject[];
}

const READ_VERBS = ["get", "list", "watch", "*"];
const ESCALATING_VERBS = ["escalate", "bind", "impersonate"];
const BUILTIN_POWERFUL = new Set(["cluster-admin", "admin", "edit"]);
const ANONYMOUS = new Set(["system:anonymous", "system:unauthenticated", "system:authenticated"]);

function bindingsOf(set: ManifestSet): Binding[] {
  return [...objectsOfKind(set, "ClusterRoleBinding"), ...objectsOfKind(set, "RoleBinding")].map((source) => {
    const o = source.object as unknown as { roleRef: { kind: string; name: string }; subjects?: Subject[] };
    return { source, roleRef: o.roleRef, subjects: o.subjects ?? [] };
  });
}

/** ServiceAccounts (`namespace/name`) bound to any role in the manifests. */
export function boundServiceAccounts(set: ManifestSet): Set<string> {
  const bound = new Set<string>();
  for (const b of bindingsOf(set)) {
    for (const s of b.subjects) if (s.kind === "ServiceAccount") bound.add(`${s.namespace ?? b.source.object.metadata.namespace ?? set.namespace}/${s.name}`);
  }
  return bound;
}

/**
 * security.rbac: least privilege for the stack's ServiceAccounts. No wildcard (verbs, resources,
 * API groups, URLs); no pods/exec or pods/attach; no escalate, bind or impersonate; no nodes/proxy
 * (the kubelet API runs commands in every pod of a node); no cluster-wide read of Secrets unless
 * the ClusterRole says why (security.obsconf.dev/reads-secrets); no binding to cluster-admin, admin
 * or edit or to anonymous users; every bound ServiceAccount used by a workload.
 */
export function reviewRbac(set: ManifestSet): SecurityReview {
  const findings: SecurityFinding[] = [];
  const exemptions: SecurityExemption[] = [];
  const add = (o: SourcedObject, field: string, expected: string, seen: string, rules: readonly RuleRef[]) =>
    findings.push({
      check: "security.rbac",
      object: describeObject(o.object, set.namespace),
      file: o.file,
      document: o.document,
      field,
      expected,
      seen,
      rules: [...rules],
    });
  const bindings = bindingsOf(set);
  const roles = [...objectsOfKind(set, "ClusterRole"), ...objectsOfKind(set, "Role")];
  let ruleCount = 0;
  for (const role of roles) {
    const rules = (role.object as unknown as { rules: PolicyRule[] }).rules;
    const clusterWide =
      role.object.kind === "ClusterRole" &&
      bindings.some((b) => b.source.object.kind === "ClusterRoleBinding" && b.roleRef.kind === "ClusterRole" && b.roleRef.name === role.object.metadata.name);
    rules.forEach((rule, i) => {
      ruleCount += 1;
      const at = `rules[${i}]`;
      for (const key of ["verbs", "resources", "apiGroups", "nonResourceURLs"] as const) {
        if ((rule[key] ?? []).some((v) => v === "*" || v.endsWith("/*")))
          add(role, `${at}.${key}`, `explicit ${key} (no wildcard)`, JSON.stringify(rule[key]), RULES.wildcardRbac);
      }
      const resources = rule.resources ?? [];
      const verbs = rule.verbs ?? [];
      const execAttach = resources.filter((r) => r === "pods/exec" || r === "pods/attach");
      if (execAttach.length > 0) add(role, `${at}.resources`, "no pods/exec or pods/attach", JSON.stringify(execAttach), RULES.podExecAttach);
      const escalating = verbs.filter((v) => ESCALATING_VERBS.includes(v));
      if (escalating.length > 0) add(role, `${at}.verbs`, "no escalate, bind or impersonate", JSON.stringify(escalating), RULES.none);
      if (resources.includes("nodes/proxy"))
        add(
          role,
          `${at}.resources`,
          "no nodes/proxy (it opens the kubelet API: exec and logs of every pod on a node); nodes/metrics for kubelet metrics",
          '"nodes/proxy"',
          RULES.none,
        );
      if (clusterWide && resources.includes("secrets") && verbs.some((v) => READ_VERBS.includes(v)) && (rule.apiGroups ?? [""]).includes("")) {
        const why = role.object.metadata.annotations?.[EXEMPT.readsSecrets]?.trim();
        if (why)
          exemptions.push({
            check: "security.rbac",
            object: describeObject(role.object, set.namespace),
            file: role.file,
            what: `reads Secrets cluster-wide (${verbs.join(", ")})`,
            reason: why,
            rules: [],
          });
        else
          add(
            role,
            `${at}.resources`,
            `no cluster-wide get/list/watch of secrets (or the ClusterRole's annotation ${EXEMPT.readsSecrets} saying why)`,
            `secrets with ${JSON.stringify(verbs)} through a ClusterRoleBinding`,
            RULES.none,
          );
      }
    });
  }
  const usedServiceAccounts = new Set(podWorkloads(set).map((w) => `${w.namespace}/${w.pod.serviceAccountName ?? "default"}`));
  for (const b of bindings) {
    if (b.roleRef.kind === "ClusterRole" && BUILTIN_POWERFUL.has(b.roleRef.name))
      add(b.source, "roleRef.name", "a role of the stack's own (not cluster-admin, admin or edit)", JSON.stringify(b.roleRef.name), RULES.clusterAdminBinding);
    b.subjects.forEach((s, i) => {
      if (ANONYMOUS.has(s.name)) add(b.source, `subjects[${i}].name`, "a ServiceAccount of the stack", JSON.stringify(s.name), RULES.anonymousBinding);
      if (s.kind !== "ServiceAccount") return;
      const id = `${s.namespace ?? b.source.object.metadata.namespace ?? set.namespace}/${s.name}`;
      if (!usedServiceAccounts.has(id))
        add(
          b.source,
          `subjects[${i}]`,
          "a ServiceAccount that a workload of the stack runs as (permissions nobody uses are still permissions)",
          `ServiceAccount ${id}, used by no workload`,
          RULES.none,
        );
    });
  }
  return { findings, exemptions, scope: [{ check: "security.rbac", text: `${roles.length} roles (${ruleCount} rules), ${bindings.length} bindings` }] };
}

/**
 * security.service-account-tokens: a pod whose ServiceAccount has no role in the manifests never
 * calls the Kubernetes API, so it mounts no token (automountServiceAccountToken: false on the pod
 * or its ServiceAccount).
 */
export function reviewServiceAccountTokens(set: ManifestSet): SecurityReview {
  const findings: SecurityFinding[] = [];
  const bound = boundServiceAccounts(set);
  const accounts = new Map(
    objectsOfKind(set, "ServiceAccount").map((o) => [
      `${o.object.metadata.namespace ?? set.namespace}/${o.object.metadata.name}`,
      o.object as unknown as { automountServiceAccountToken?: boolean },
    ]),
  );
  const workloads = podWorkloads(set);
  const withToken: string[] = [];
  for (const w of workloads) {
    const sa = `${w.namespace}/${w.pod.serviceAccountName ?? "default"}`;
    const mounts = w.pod.automountServiceAccountToken ?? accounts.get(sa)?.automountServiceAccountToken ?? true;
    if (bound.has(sa)) {
      withToken.push(`${w.object} (${sa})`);
      continue;
    }
    if (mounts) {
      findings.push({
        check: "security.service-account-tokens",
        object: w.object,
        file: w.source.file,
        document: w.source.document,
        field: "spec.template.spec.automountServiceAccountToken",
        expected: `false: ServiceAccount ${sa} has no role in the manifests, so the pod never needs a token`,
        seen: w.pod.automountServiceAccountToken === undefined ? "unset (a token is mounted)" : "true",
        rules: [...RULES.automountToken],
      });
    }
  }
  return {
    findings,
    exemptions: [],
    scope: [
      {
        check: "security.service-account-tokens",
        text: `${workloads.length} workloads; with an API token because their ServiceAccount has a role: ${withToken.join(", ") || "none"}`,
      },
    ],
  };
}
