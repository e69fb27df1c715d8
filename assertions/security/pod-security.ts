import type { ManifestSet } from "../../stack/manifest/load-manifests.ts";
import { podWorkloads, type PodWorkload, type SecurityContextFields } from "./manifest-walk.ts";
import { RULES, type RuleRef } from "./rule-refs.ts";
import { EXEMPT, type SecurityExemption, type SecurityFinding, type SecurityReview } from "./security-finding.ts";

/** Capabilities the restricted profile lets a container add back after dropping ALL. */
const ADDABLE = new Set(["NET_BIND_SERVICE"]);

function reason(w: PodWorkload, key: string): string | undefined {
  const value = w.podAnnotations[key]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/**
 * security.pod-security: Pod Security Standards restricted, container by container: no privileged
 * containers, no host namespaces or host ports, no hostPath volumes (unless the pod template
 * declares why with security.obsconf.dev/host-path), run as non-root (unless it declares
 * security.obsconf.dev/runs-as-root), no privilege escalation, capabilities dropped (ALL, adding
 * back at most NET_BIND_SERVICE), seccomp RuntimeDefault or Localhost.
 */
export function reviewPodSecurity(set: ManifestSet): SecurityReview {
  const findings: SecurityFinding[] = [];
  const exemptions: SecurityExemption[] = [];
  const workloads = podWorkloads(set);
  for (const w of workloads) {
    const at = (field: string, expected: string, seen: string, rules: RuleRef[], container?: string): void => {
      findings.push({
        check: "security.pod-security",
        object: container ? `${w.object} container ${container}` : w.object,
        file: w.source.file,
        document: w.source.document,
        field,
        expected,
        seen,
        rules,
      });
    };
    const pod = w.pod;
    const podSc: SecurityContextFields = pod.securityContext ?? {};
    for (const ns of ["hostNetwork", "hostPID", "hostIPC"] as const) {
      if (pod[ns] === true) at(`spec.template.spec.${ns}`, `${ns} unset or false (the pod's own namespaces)`, "true", RULES.hostNamespaces);
    }
    const hostPaths = (pod.volumes ?? []).map((v, i) => ({ v, i })).filter(({ v }) => v.hostPath !== undefined);
    const hostPathReason = reason(w, EXEMPT.hostPath);
    for (const { v, i } of hostPaths) {
      const rules = [
        ...RULES.hostPath,
        ...(v.hostPath!.path === "/proc" ? RULES.hostPathProc : []),
        ...(v.hostPath!.path.endsWith("docker.sock") ? RULES.hostPathDockerSock : []),
      ];
      if (hostPathReason === undefined) {
        at(
          `spec.template.spec.volumes[${i}].hostPath`,
          `no hostPath volume (or the pod template's annotation ${EXEMPT.hostPath} saying why the component needs the node's files)`,
          `hostPath ${v.hostPath!.path}`,
          rules,
        );
      } else {
        exemptions.push({
          check: "security.pod-security",
          object: w.object,
          file: w.source.file,
          what: `hostPath ${v.hostPath!.path} (volume ${v.name})`,
          reason: hostPathReason,
          rules,
        });
      }
    }
    const rootReason = reason(w, EXEMPT.runsAsRoot);
    for (const { container: c, field } of w.containers) {
      const sc: SecurityContextFields = c.securityContext ?? {};
      const effective = <K extends keyof SecurityContextFields>(key: K): SecurityContextFields[K] => (sc[key] !== undefined ? sc[key] : podSc[key]);
      // Where the effective value comes from: the container's own field when set, else the pod's (also where an unset one belongs).
      const scField = (key: string) =>
        sc[key as keyof SecurityContextFields] !== undefined ? `${field}.securityContext.${key}` : `spec.template.spec.securityContext.${key}`;
      if (sc.privileged === true) at(`${field}.securityContext.privileged`, "privileged unset or false", "true", RULES.privileged, c.name);
      (c.ports ?? []).forEach((p, i) => {
        if (p.hostPort !== undefined && p.hostPort !== 0)
          at(`${field}.ports[${i}].hostPort`, "no hostPort (reach the container through its Service)", String(p.hostPort), RULES.hostPorts, c.name);
      });
      const runAsUser = effective("runAsUser");
      const runAsNonRoot = effective("runAsNonRoot");
      if (rootReason !== undefined) {
        exemptions.push({
          check: "security.pod-security",
          object: `${w.object} container ${c.name}`,
          file: w.source.file,
          what: `runs as root (runAsUser ${runAsUser ?? "image default"})`,
          reason: rootReason,
          rules: RULES.runAsNonRoot,
        });
      } else if (runAsNonRoot !== true) {
        at(
          scField("runAsNonRoot"),
          `runAsNonRoot: true (or the pod template's annotation ${EXEMPT.runsAsRoot} saying why)`,
          runAsNonRoot === undefined ? "unset (the image's user, root for many images)" : String(runAsNonRoot),
          RULES.runAsNonRoot,
          c.name,
        );
      } else if (runAsUser === 0) {
        at(scField("runAsUser"), "a non-zero runAsUser (runAsNonRoot: true refuses uid 0 at start)", "0", RULES.runAsNonRoot, c.name);
      }
      if (sc.allowPrivilegeEscalation !== false) {
        at(
          `${field}.securityContext.allowPrivilegeEscalation`,
          "false",
          sc.allowPrivilegeEscalation === undefined ? "unset (allowed)" : "true",
          RULES.privilegeEscalation,
          c.name,
        );
      }
      const drop = sc.capabilities?.drop ?? [];
      if (!drop.includes("ALL"))
        at(
          `${field}.securityContext.capabilities.drop`,
          '["ALL"]',
          drop.length === 0 ? "unset (the runtime's default set stays)" : JSON.stringify(drop),
          RULES.capabilities,
          c.name,
        );
      const added = (sc.capabilities?.add ?? []).filter((cap) => !ADDABLE.has(cap));
      if (added.length > 0)
        at(`${field}.securityContext.capabilities.add`, "at most NET_BIND_SERVICE", JSON.stringify(sc.capabilities?.add), RULES.capabilities, c.name);
      const seccomp = effective("seccompProfile")?.type;
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
        at(
          scField("seccompProfile").concat(".type"),
          "RuntimeDefault or Localhost",
          seccomp === undefined ? "unset (Unconfined on most runtimes)" : seccomp,
          RULES.seccomp,
          c.name,
        );
      }
    }
  }
  const containers = workloads.reduce((n, w) => n + w.containers.length, 0);
  return {
    findings,
    exemptions,
    scope: [
      {
        check: "security.pod-security",
        text: `${containers} containers in ${workloads.length} workloads: privileged, host namespaces and ports, hostPath, non-root, privilege escalation, capabilities, seccomp`,
      },
    ],
  };
}

/** security.read-only-root: every container's root filesystem read-only, unless the pod template declares why the image writes into it. */
export function reviewReadOnlyRoot(set: ManifestSet): SecurityReview {
  const findings: SecurityFinding[] = [];
  const exemptions: SecurityExemption[] = [];
  const workloads = podWorkloads(set);
  for (const w of workloads) {
    const why = reason(w, EXEMPT.writableRootFilesystem);
    for (const { container: c, field } of w.containers) {
      if (c.securityContext?.readOnlyRootFilesystem === true) continue;
      if (why !== undefined) {
        exemptions.push({
          check: "security.read-only-root",
          object: `${w.object} container ${c.name}`,
          file: w.source.file,
          what: "writable root filesystem",
          reason: why,
          rules: RULES.readOnlyRoot,
        });
        continue;
      }
      findings.push({
        check: "security.read-only-root",
        object: `${w.object} container ${c.name}`,
        file: w.source.file,
        document: w.source.document,
        field: `${field}.securityContext.readOnlyRootFilesystem`,
        expected: `true (or the pod template's annotation ${EXEMPT.writableRootFilesystem} saying what the image writes and where)`,
        seen: c.securityContext?.readOnlyRootFilesystem === false ? "false" : "unset (writable)",
        rules: RULES.readOnlyRoot,
      });
    }
  }
  return { findings, exemptions, scope: [{ check: "security.read-only-root", text: `${workloads.reduce((n, w) => n + w.containers.length, 0)} containers` }] };
}
