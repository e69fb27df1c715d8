/**
 * The rules of the four anchors a security finding corresponds to, by their own ids:
 * - Pod Security Standards: the check ids of k8s.io/pod-security-admission (policy/check_*.go),
 *   with the level that defines them;
 * - kube-score: its check ids (README_CHECKS.md);
 * - Polaris: its check keys (pkg/config/checks/*.yaml);
 * - kubesec: its rule ids (pkg/ruler/ruleset.go).
 * A finding with no counterpart in a catalog names none there; ids are never invented.
 */
export type RuleCatalog = "PSS baseline" | "PSS restricted" | "kube-score" | "Polaris" | "kubesec";
export interface RuleRef {
  catalog: RuleCatalog;
  id: string;
}

const pss = (level: "baseline" | "restricted", id: string): RuleRef => ({ catalog: level === "baseline" ? "PSS baseline" : "PSS restricted", id });
const kubeScore = (id: string): RuleRef => ({ catalog: "kube-score", id });
const polaris = (id: string): RuleRef => ({ catalog: "Polaris", id });
const kubesec = (id: string): RuleRef => ({ catalog: "kubesec", id });

export const RULES = {
  // credentials
  sensitiveEnvLiteral: [polaris("sensitiveContainerEnvVar")],
  sensitiveConfigMap: [polaris("sensitiveConfigmapContent")],
  secretInEnv: [kubesec("SecretsAsEnvironmentVariables")],
  // RBAC and service accounts
  wildcardRbac: [polaris("clusterrolebindingClusterAdmin"), polaris("rolebindingClusterAdminClusterRole"), polaris("rolebindingClusterAdminRole")],
  clusterAdminBinding: [polaris("clusterrolebindingClusterAdmin"), polaris("rolebindingClusterAdminClusterRole")],
  podExecAttach: [
    polaris("clusterrolePodExecAttach"),
    polaris("rolePodExecAttach"),
    polaris("clusterrolebindingPodExecAttach"),
    polaris("rolebindingClusterRolePodExecAttach"),
    polaris("rolebindingRolePodExecAttach"),
  ],
  anonymousBinding: [kubesec("BindingsToSystemAnonymous")],
  automountToken: [polaris("automountServiceAccountToken"), kubesec("AutomountServiceAccountToken")],
  // network policies
  podNetworkPolicy: [kubeScore("pod-networkpolicy"), polaris("missingNetworkPolicy")],
  policyTargetsPod: [kubeScore("networkpolicy-targets-pod")],
  // pod security
  privileged: [pss("baseline", "privileged"), kubeScore("container-security-context-privileged"), polaris("runAsPrivileged"), kubesec("Privileged")],
  hostNamespaces: [
    pss("baseline", "hostNamespaces"),
    polaris("hostNetworkSet"),
    polaris("hostPIDSet"),
    polaris("hostIPCSet"),
    kubesec("HostNetwork"),
    kubesec("HostPID"),
    kubesec("HostIPC"),
  ],
  hostPorts: [pss("baseline", "hostPorts"), polaris("hostPortSet")],
  hostPath: [pss("baseline", "hostPathVolumes"), pss("restricted", "restrictedVolumes"), polaris("hostPathSet")],
  hostPathProc: [kubesec("ProcMount")],
  hostPathDockerSock: [kubesec("DockerSock")],
  runAsNonRoot: [
    pss("restricted", "runAsNonRoot"),
    pss("restricted", "runAsUser"),
    kubeScore("container-security-context-user-group-id"),
    polaris("runAsRootAllowed"),
    kubesec("RunAsNonRoot"),
  ],
  privilegeEscalation: [pss("restricted", "allowPrivilegeEscalation"), polaris("privilegeEscalationAllowed"), kubesec("AllowPrivilegeEscalation")],
  capabilities: [
    pss("baseline", "capabilities_baseline"),
    pss("restricted", "capabilities_restricted"),
    polaris("dangerousCapabilities"),
    polaris("insecureCapabilities"),
    polaris("linuxHardening"),
    kubesec("CapDropAll"),
    kubesec("CapDropAny"),
  ],
  seccomp: [
    pss("baseline", "seccompProfile_baseline"),
    pss("restricted", "seccompProfile_restricted"),
    kubeScore("container-seccomp-profile"),
    polaris("linuxHardening"),
    kubesec("SeccompAny"),
  ],
  readOnlyRoot: [kubeScore("container-security-context-readonlyrootfilesystem"), polaris("notReadOnlyRootFilesystem"), kubesec("ReadOnlyRootFilesystem")],
  // resources and images
  cpuRequest: [kubeScore("container-resources"), polaris("cpuRequestsMissing"), kubesec("RequestsCPU")],
  cpuLimit: [kubeScore("container-resources"), polaris("cpuLimitsMissing"), kubesec("LimitsCPU")],
  memoryRequest: [kubeScore("container-resources"), polaris("memoryRequestsMissing"), kubesec("RequestsMemory")],
  memoryLimit: [kubeScore("container-resources"), polaris("memoryLimitsMissing"), kubesec("LimitsMemory")],
  imageTag: [kubeScore("container-image-tag"), polaris("tagNotSpecified")],
  // transport
  ingressTls: [polaris("tlsSettingsMissing")],
  nodePortService: [kubeScore("service-type")],
  none: [] as RuleRef[],
} satisfies Record<string, RuleRef[]>;

export function formatRules(rules: readonly RuleRef[]): string {
  if (rules.length === 0) return "no counterpart in PSS, kube-score, Polaris or kubesec";
  const by = new Map<RuleCatalog, string[]>();
  for (const r of rules) by.set(r.catalog, [...(by.get(r.catalog) ?? []), r.id]);
  return [...by].map(([catalog, ids]) => `${catalog}: ${ids.join(", ")}`).join("; ");
}
