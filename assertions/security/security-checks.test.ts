import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifests, type ManifestSet } from "../../stack/manifest/load-manifests.ts";
import { reviewSecurity, securityChecks } from "./security-checks.ts";
import { SECURITY_CHECK_IDS, type SecurityCheckId } from "./security-finding.ts";

const MANIFESTS = fileURLToPath(new URL("../../stack/manifests", import.meta.url));

interface Edit {
  file: string;
  replace: string;
  with: string;
}

const statuses = (set: ManifestSet, options = {}) => Object.fromEntries(securityChecks(set, { nowMs: 0, ...options }).map((c) => [c.id, c.status]));
const allPassBut = (...failing: SecurityCheckId[]) => Object.fromEntries(SECURITY_CHECK_IDS.map((id) => [id, failing.includes(id) ? "fail" : "pass"]));

describe("securityChecks", () => {
  let root = "";
  let copies = 0;
  /** A copy of the project's manifests with text edits (each `replace` must occur exactly once). */
  async function manifestsWith(edits: readonly Edit[]): Promise<ManifestSet> {
    const dir = path.join(root, `m${copies++}`);
    await cp(MANIFESTS, dir, { recursive: true });
    for (const edit of edits) {
      const file = path.join(dir, edit.file);
      const text = await readFile(file, "utf8");
      expect(text.split(edit.replace).length - 1, `${edit.file}: ${edit.replace}`).toBe(1);
      await writeFile(file, text.replace(edit.replace, edit.with));
    }
    return loadManifests(dir);
  }
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "obsconf-security-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("should pass every security check on the project's manifests, listing the declared exemptions with their reasons", async () => {
    const set = await loadManifests(MANIFESTS);
    expect(statuses(set)).toEqual(allPassBut());
    const review = reviewSecurity(set);
    expect(review.findings).toEqual([]);
    expect(review.exemptions.map((e) => `${e.check} ${e.object}: ${e.what}`).sort()).toEqual([
      "security.network-policies NetworkPolicy monitoring/grafana-ingress: ingress[1] admits namespaceSelector {} on http",
      "security.network-policies NetworkPolicy monitoring/kafka-ingress: ingress[1] admits namespaceSelector {} on kafka",
      "security.network-policies NetworkPolicy monitoring/otel-collector-ingress: ingress[1] admits namespaceSelector {} on otlp-grpc, otlp-http",
      "security.network-policies NetworkPolicy monitoring/vector-ingress: ingress[1] admits namespaceSelector {} on http-logs",
      "security.pod-security DaemonSet monitoring/node-exporter: hostPath / (volume root)",
      "security.pod-security DaemonSet monitoring/node-exporter: hostPath /proc (volume proc)",
      "security.pod-security DaemonSet monitoring/node-exporter: hostPath /sys (volume sys)",
      "security.pod-security DaemonSet monitoring/promtail container promtail: runs as root (runAsUser 0)",
      "security.pod-security DaemonSet monitoring/promtail: hostPath /run/promtail (volume positions)",
      "security.pod-security DaemonSet monitoring/promtail: hostPath /var/log/pods (volume pods)",
      "security.pod-security Deployment monitoring/vector container vector: runs as root (runAsUser 0)",
      "security.pod-security Deployment monitoring/vector: hostPath /var/log (volume var-log)",
      "security.read-only-root StatefulSet monitoring/kafka container kafka: writable root filesystem",
    ]);
    const checks = securityChecks(set, { nowMs: 0 });
    expect(checks.find((c) => c.id === "security.credentials")).toMatchObject({
      pillar: "config",
      status: "pass",
      measured: { value: 0, unit: "findings" },
      startedAt: "1970-01-01T00:00:00.000Z",
    });
    expect(checks.find((c) => c.id === "security.credentials")!.evidence[0]!.text).toContain("generated at deploy time: grafana-admin/admin-password");
  });

  it("should fail security.credentials on Grafana admin/admin as env literals, naming the field and the rule", async () => {
    const set = await manifestsWith([
      {
        file: "grafana.yaml",
        replace:
          "            - name: GF_SECURITY_ADMIN_USER__FILE\n              value: /etc/grafana/secrets/admin-user\n            - name: GF_SECURITY_ADMIN_PASSWORD__FILE\n              value: /etc/grafana/secrets/admin-password",
        with: "            - name: GF_SECURITY_ADMIN_USER\n              value: admin\n            - name: GF_SECURITY_ADMIN_PASSWORD\n              value: admin",
      },
    ]);
    expect(statuses(set)).toEqual(allPassBut("security.credentials"));
    const findings = reviewSecurity(set).findings;
    expect(findings.map((f) => ({ object: f.object, field: f.field, seen: f.seen, rules: f.rules.map((r) => `${r.catalog}: ${r.id}`) }))).toEqual([
      {
        object: "Deployment monitoring/grafana container grafana",
        field: "spec.template.spec.containers[0].env[2].value",
        seen: "GF_SECURITY_ADMIN_PASSWORD=<literal>",
        rules: ["Polaris: sensitiveContainerEnvVar"],
      },
      {
        object: "Deployment monitoring/grafana container grafana",
        field: "spec.template.spec.containers[0].env",
        seen: "GF_SECURITY_ADMIN_PASSWORD=admin (admin/admin or another default)",
        rules: [],
      },
    ]);
    const check = securityChecks(set, { nowMs: 0 }).find((c) => c.id === "security.credentials")!;
    expect(check.reason).toMatch(
      /^2 findings: Deployment monitoring\/grafana container grafana spec.template.spec.containers\[0\].env\[2\].value: expected no credential as an env literal/,
    );
    expect(check.evidence[0]).toEqual({
      kind: "file",
      text: expect.stringMatching(
        /^\S*grafana.yaml document 5 \(Deployment monitoring\/grafana container grafana\) field spec.template.spec.containers\[0\].env\[2\].value: expected no credential as an env literal \(a file from a mounted Secret\), saw GF_SECURITY_ADMIN_PASSWORD=<literal> \[Polaris: sensitiveContainerEnvVar\]$/,
      ),
    });
  });

  it("should fail security.credentials when Grafana gets no admin password at all (its default admin/admin)", async () => {
    const set = await manifestsWith([
      {
        file: "grafana.yaml",
        replace: "            - name: GF_SECURITY_ADMIN_PASSWORD__FILE\n              value: /etc/grafana/secrets/admin-password\n",
        with: "",
      },
    ]);
    expect(reviewSecurity(set).findings.map((f) => `${f.check} ${f.field}: ${f.seen}`)).toEqual([
      "security.credentials spec.template.spec.containers[0].env: none: Grafana starts with its default admin/admin",
    ]);
  });

  it("should fail security.credentials on a committed password, a default Secret value, a secret in env and a password in a ConfigMap", async () => {
    const set = await manifestsWith([
      {
        file: "grafana.yaml",
        replace: "stringData:\n  admin-user: obsconf-admin",
        with: "stringData:\n  admin-user: obsconf-admin\n  db-password: s3cr3t-but-committed",
      },
      { file: "alertmanager.yaml", replace: "smtp-password: REPLACE_WITH_SMTP_PASSWORD", with: "smtp-password: changeme" },
      { file: "loki.yaml", replace: "      replication_factor: 1", with: "      replication_factor: 1\n      password: hunter2" },
      {
        file: "grafana.yaml",
        replace: "            - name: GF_USERS_ALLOW_SIGN_UP",
        with: "            - name: GF_DATABASE_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: grafana-admin\n                  key: db-password\n            - name: GF_USERS_ALLOW_SIGN_UP",
      },
    ]);
    expect(statuses(set)).toEqual(allPassBut("security.credentials"));
    expect(reviewSecurity(set).findings.map((f) => `${f.object} ${f.field}: ${f.seen}`)).toEqual([
      'Secret monitoring/alertmanager-secrets stringData["smtp-password"]: "changeme" (a well-known default)',
      'Secret monitoring/grafana-admin stringData["db-password"]: a literal 20-character password',
      'ConfigMap monitoring/loki-config data["loki.yaml"] line 11: password: a literal value',
      "Deployment monitoring/grafana container grafana spec.template.spec.containers[0].env[5].valueFrom.secretKeyRef: env GF_DATABASE_PASSWORD from Secret grafana-admin/db-password",
    ]);
  });

  it("should fail security.network-policies naming every client a missing policy cuts off", async () => {
    const text = await readFile(path.join(MANIFESTS, "network-policies.yaml"), "utf8");
    const loki = text.split("\n---\n").find((d) => d.includes("name: loki-ingress"))!;
    const set = await manifestsWith([{ file: "network-policies.yaml", replace: `\n---\n${loki}`, with: "" }]);
    expect(statuses(set)).toEqual(allPassBut("security.network-policies"));
    expect(reviewSecurity(set).findings.map((f) => f.expected.replace(/ \(.*\)$/, ""))).toEqual([
      "a rule admitting StatefulSet monitoring/prometheus on port http",
      "a rule admitting DaemonSet monitoring/promtail on port http",
      "a rule admitting Deployment monitoring/vector on port http",
      "a rule admitting Deployment monitoring/grafana on port http",
    ]);
  });

  it("should fail security.network-policies (pod-networkpolicy) for every workload, and security.tls, with no NetworkPolicy at all", async () => {
    const set = await manifestsWith([{ file: "kustomization.yaml", replace: "  - network-policies.yaml\n", with: "" }]);
    expect(statuses(set)).toEqual(allPassBut("security.network-policies", "security.tls"));
    const findings = reviewSecurity(set).findings.filter((f) => f.check === "security.network-policies");
    expect(findings).toHaveLength(12);
    expect(findings[0]).toMatchObject({
      object: "StatefulSet monitoring/prometheus",
      rules: [
        { catalog: "kube-score", id: "pod-networkpolicy" },
        { catalog: "Polaris", id: "missingNetworkPolicy" },
      ],
    });
  });

  it("should fail a policy that admits a component which is not a client, and one that admits other namespaces without saying why", async () => {
    const set = await manifestsWith([
      { file: "network-policies.yaml", replace: "  name: kafka-ingress", with: "  name: kafka-ingress-x" },
      {
        file: "network-policies.yaml",
        replace: "              app.kubernetes.io/name: otel-collector\n      ports:\n        - port: otlp-grpc",
        with: "              app.kubernetes.io/name: otel-collector\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: grafana\n      ports:\n        - port: otlp-grpc",
      },
      {
        file: "network-policies.yaml",
        replace: '    security.obsconf.dev/clients-outside-namespace: "the ML pipeline',
        with: '    unrelated: "the ML pipeline',
      },
    ]);
    expect(reviewSecurity(set).findings.map((f) => `${f.object} ${f.field}: ${f.seen}`)).toEqual([
      "NetworkPolicy monitoring/kafka-ingress-x spec.ingress[1].from: namespaceSelector {}",
      "NetworkPolicy monitoring/tempo-ingress spec.ingress[0]: admits Deployment monitoring/grafana on otlp-grpc, which no config of it addresses",
    ]);
  });

  it("should fail security.pod-security on a root container, naming the Pod Security Standards rule", async () => {
    const set = await manifestsWith([{ file: "grafana.yaml", replace: "        runAsNonRoot: true\n        runAsUser: 472", with: "        runAsUser: 0" }]);
    expect(statuses(set)).toEqual(allPassBut("security.pod-security"));
    expect(reviewSecurity(set).findings).toEqual([
      {
        check: "security.pod-security",
        object: "Deployment monitoring/grafana container grafana",
        file: expect.stringMatching(/grafana.yaml$/),
        document: 5,
        field: "spec.template.spec.securityContext.runAsNonRoot",
        expected: "runAsNonRoot: true (or the pod template's annotation security.obsconf.dev/runs-as-root saying why)",
        seen: "unset (the image's user, root for many images)",
        rules: [
          { catalog: "PSS restricted", id: "runAsNonRoot" },
          { catalog: "PSS restricted", id: "runAsUser" },
          { catalog: "kube-score", id: "container-security-context-user-group-id" },
          { catalog: "Polaris", id: "runAsRootAllowed" },
          { catalog: "kubesec", id: "RunAsNonRoot" },
        ],
      },
    ]);
  });

  it("should not honour an exemption annotation without a reason", async () => {
    const set = await manifestsWith([
      {
        file: "kafka.yaml",
        replace: /security.obsconf.dev\/writable-root-filesystem: ".*"/.exec(await readFile(path.join(MANIFESTS, "kafka.yaml"), "utf8"))![0],
        with: 'security.obsconf.dev/writable-root-filesystem: ""',
      },
    ]);
    expect(statuses(set)).toEqual(allPassBut("security.read-only-root"));
  });

  it("should fail security.rbac on wildcards, cluster-wide Secret reads and nodes/proxy, and tokens in pods without a role", async () => {
    const set = await manifestsWith([
      {
        file: "promtail.yaml",
        replace: "    resources: [pods]\n    verbs: [get, list, watch]",
        with: '    resources: [pods, nodes/proxy, secrets]\n    verbs: [get, list, watch]\n  - apiGroups: ["*"]\n    resources: ["*"]\n    verbs: ["*"]',
      },
      { file: "loki.yaml", replace: "      automountServiceAccountToken: false\n", with: "" },
    ]);
    expect(statuses(set)).toEqual(allPassBut("security.rbac", "security.service-account-tokens"));
    expect(reviewSecurity(set).findings.map((f) => `${f.check} ${f.object} ${f.field}: ${f.seen}`)).toEqual([
      'security.rbac ClusterRole obsconf-promtail rules[0].resources: "nodes/proxy"',
      'security.rbac ClusterRole obsconf-promtail rules[0].resources: secrets with ["get","list","watch"] through a ClusterRoleBinding',
      'security.rbac ClusterRole obsconf-promtail rules[1].verbs: ["*"]',
      'security.rbac ClusterRole obsconf-promtail rules[1].resources: ["*"]',
      'security.rbac ClusterRole obsconf-promtail rules[1].apiGroups: ["*"]',
      "security.service-account-tokens StatefulSet monitoring/loki spec.template.spec.automountServiceAccountToken: unset (a token is mounted)",
    ]);
  });

  it("should fail security.tls for a NodePort Service, and for every plaintext ingestion endpoint when in-cluster TLS is required", async () => {
    const exposed = await manifestsWith([
      {
        file: "grafana.yaml",
        replace: "spec:\n  selector:\n    app.kubernetes.io/name: grafana",
        with: "spec:\n  type: NodePort\n  selector:\n    app.kubernetes.io/name: grafana",
      },
    ]);
    expect(reviewSecurity(exposed).findings.map((f) => `${f.object} ${f.field}: ${f.seen} [${f.rules.map((r) => r.id).join()}]`)).toEqual([
      "Service monitoring/grafana spec.type: NodePort [service-type]",
    ]);
    const strict = reviewSecurity(await loadManifests(MANIFESTS), { requireInClusterTls: true }).findings;
    expect(strict.map((f) => `${f.object} ${f.field}`)).toEqual([
      "Deployment monitoring/otel-collector ports otlp-grpc, otlp-http",
      "StatefulSet monitoring/tempo ports otlp-grpc, otlp-http",
      "Deployment monitoring/vector ports http-logs",
      "StatefulSet monitoring/loki ports http",
      "StatefulSet monitoring/mimir ports http",
      "StatefulSet monitoring/prometheus ports web",
      "StatefulSet monitoring/kafka ports kafka",
    ]);
  });

  it("should fail security.images on an image with no pinned version and security.resources on a missing limit", async () => {
    const unpinned = await manifestsWith([{ file: "kustomization.yaml", replace: "  - name: apache/kafka\n    newTag: 4.0.0\n", with: "" }]);
    expect(statuses(unpinned)).toEqual(allPassBut("security.images"));
    expect(
      reviewSecurity(unpinned).findings.map((f) => `${f.object} ${f.field}: ${f.seen} [${f.rules.map((r) => `${r.catalog}: ${r.id}`).join(", ")}]`),
    ).toEqual([
      'StatefulSet monitoring/kafka container kafka spec.template.spec.containers[0].image: "apache/kafka" (no tag: latest) [kube-score: container-image-tag, Polaris: tagNotSpecified]',
    ]);
    const noLimit = await manifestsWith([{ file: "vector.yaml", replace: '            limits:\n              cpu: "2"\n', with: "            limits:\n" }]);
    expect(statuses(noLimit)).toEqual(allPassBut("security.resources"));
    expect(reviewSecurity(noLimit).findings.map((f) => `${f.object} ${f.field}`)).toEqual([
      "Deployment monitoring/vector container vector spec.template.spec.containers[0].resources.limits.cpu",
    ]);
  });
});
