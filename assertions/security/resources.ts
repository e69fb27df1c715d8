import type { ManifestSet } from "../../stack/manifest/load-manifests.ts";
import { podWorkloads } from "./manifest-walk.ts";
import { RULES } from "./rule-refs.ts";
import type { SecurityFinding, SecurityReview } from "./security-finding.ts";

/** security.resources: cpu and memory requests and limits on every container (the seed: "use resource limits to prevent resource exhaustion"). */
export function reviewResources(set: ManifestSet): SecurityReview {
  const findings: SecurityFinding[] = [];
  const workloads = podWorkloads(set);
  for (const w of workloads) {
    for (const { container: c, field } of w.containers) {
      const wanted = [
        ["requests", "cpu", RULES.cpuRequest],
        ["requests", "memory", RULES.memoryRequest],
        ["limits", "cpu", RULES.cpuLimit],
        ["limits", "memory", RULES.memoryLimit],
      ] as const;
      for (const [kind, resource, rules] of wanted) {
        if (c.resources?.[kind]?.[resource] !== undefined) continue;
        findings.push({
          check: "security.resources",
          object: `${w.object} container ${c.name}`,
          file: w.source.file,
          document: w.source.document,
          field: `${field}.resources.${kind}.${resource}`,
          expected: `a ${resource} ${kind === "requests" ? "request" : "limit"}`,
          seen: "unset",
          rules: [...rules],
        });
      }
    }
  }
  return {
    findings,
    exemptions: [],
    scope: [
      {
        check: "security.resources",
        text: `cpu and memory requests and limits of ${workloads.reduce((n, w) => n + w.containers.length, 0)} containers (ephemeral-storage is not required: kube-score container-ephemeral-storage-request-and-limit is not enforced)`,
      },
    ],
  };
}
