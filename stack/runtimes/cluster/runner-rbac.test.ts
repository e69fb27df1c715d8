import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadManifests, type K8sObject } from "../../manifest/load-manifests.ts";
import { renderForTarget } from "../kube/render.ts";

/** deploy/rbac/obsconf-runner.yaml must allow everything a cluster run does: checked here, rule by rule. */
const RBAC_FILE = path.resolve(import.meta.dirname, "../../../deploy/rbac/obsconf-runner.yaml");
const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] };
const RESOURCE_OF: Record<string, { group: string; resource: string }> = {
  Namespace: { group: "", resource: "namespaces" },
  ConfigMap: { group: "", resource: "configmaps" },
  Secret: { group: "", resource: "secrets" },
  Service: { group: "", resource: "services" },
  Endpoints: { group: "", resource: "endpoints" },
  ServiceAccount: { group: "", resource: "serviceaccounts" },
  PersistentVolumeClaim: { group: "", resource: "persistentvolumeclaims" },
  Deployment: { group: "apps", resource: "deployments" },
  StatefulSet: { group: "apps", resource: "statefulsets" },
  DaemonSet: { group: "apps", resource: "daemonsets" },
  Role: { group: "rbac.authorization.k8s.io", resource: "roles" },
  RoleBinding: { group: "rbac.authorization.k8s.io", resource: "rolebindings" },
  ClusterRole: { group: "rbac.authorization.k8s.io", resource: "clusterroles" },
  ClusterRoleBinding: { group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" },
  TestRun: { group: "k6.io", resource: "testruns" },
  NetworkPolicy: { group: "networking.k8s.io", resource: "networkpolicies" },
};

function allows(rules: readonly Rule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).some((g) => g === group || g === "*") &&
      (r.resources ?? []).some((x) => x === resource || x === "*") &&
      r.verbs.some((v) => v === verb || v === "*"),
  );
}

describe("deploy/rbac/obsconf-runner.yaml", () => {
  let rules: Rule[];
  let rendered: K8sObject[];
  beforeAll(async () => {
    const docs = parseAllDocuments(await readFile(RBAC_FILE, "utf8")).map((d) => d.toJS() as K8sObject & { rules?: Rule[]; roleRef?: { name: string } });
    const bound = new Set(docs.filter((d) => d.kind === "ClusterRoleBinding").map((d) => d.roleRef!.name));
    rules = docs.filter((d) => d.kind === "ClusterRole" && bound.has(d.metadata.name)).flatMap((d) => d.rules ?? []);
    rendered = renderForTarget(await loadManifests(MANIFESTS), { kind: "cluster", namespace: "obsconf-r1", runId: "r1" }).map((o) => o.object);
  });

  it("should let the runner apply, read back and delete every kind a cluster run renders", () => {
    const missing: string[] = [];
    for (const kind of new Set([...rendered.map((o) => o.kind), "Endpoints", "TestRun"])) {
      const target = RESOURCE_OF[kind];
      if (!target) {
        missing.push(`${kind}: no RBAC resource known for this kind (add it to deploy/rbac and to this table)`);
        continue;
      }
      for (const verb of ["get", "list", "create", "patch", "delete"])
        if (!allows(rules, target.group, target.resource, verb)) missing.push(`${verb} ${target.group || "core"}/${target.resource}`);
    }
    expect(missing).toEqual([]);
  });

  it("should let the runner diagnose rollouts, save logs, port-forward and check for the k6-operator", () => {
    const needs: [string, string, string][] = [
      ["", "pods", "list"],
      ["", "pods", "get"],
      ["", "events", "list"],
      ["", "pods/log", "get"],
      ["", "pods/portforward", "create"],
      ["apps", "statefulsets", "get"],
      ["apiextensions.k8s.io", "customresourcedefinitions", "get"],
    ];
    expect(needs.filter(([g, r, v]) => !allows(rules, g, r, v))).toEqual([]);
  });

  it("should hold every permission the stack's ClusterRoles grant, so the runner may create them (no escalate or bind)", () => {
    const granted = rendered.filter((o) => o.kind === "ClusterRole").flatMap((o) => (o as K8sObject & { rules: Rule[] }).rules);
    const missing = granted.flatMap((rule) =>
      rule.nonResourceURLs
        ? rule.nonResourceURLs
            .filter((url) => !rules.some((r) => r.nonResourceURLs?.includes(url) && rule.verbs.every((v) => r.verbs.includes(v))))
            .map((url) => `nonResourceURL ${url}`)
        : (rule.apiGroups ?? []).flatMap((g) =>
            (rule.resources ?? []).flatMap((res) => rule.verbs.filter((v) => !allows(rules, g, res, v)).map((v) => `${v} ${g || "core"}/${res}`)),
          ),
    );
    expect(missing).toEqual([]);
    expect(rules.some((r) => r.verbs.includes("escalate") || r.verbs.includes("bind") || r.verbs.includes("*"))).toBe(false);
  });
});
