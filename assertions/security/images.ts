import type { ManifestSet } from "../../stack/manifest/load-manifests.ts";
import { displayPath } from "../../stack/manifest/load-manifests.ts";
import { podWorkloads } from "./manifest-walk.ts";
import { RULES } from "./rule-refs.ts";
import type { SecurityFinding, SecurityReview } from "./security-finding.ts";

/**
 * security.images: every container image resolves to an exact version (a digest, or a tag other
 * than `latest`), inline or through the kustomization's `images:` list, so a rebuild pulls what
 * was signed off ("regular security updates" then means changing a pin, visibly).
 */
export function reviewImages(set: ManifestSet): SecurityReview {
  const findings: SecurityFinding[] = [];
  const workloads = podWorkloads(set);
  const pinned: string[] = [];
  let digests = 0;
  for (const w of workloads) {
    for (const { container: c, field } of w.containers) {
      const at = c.image.indexOf("@");
      const name = at === -1 ? c.image : c.image.slice(0, at);
      const colon = name.lastIndexOf(":");
      const bare = colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
      const inlineTag = colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
      const pin = set.images.find((i) => i.name === bare);
      const digest = at !== -1 || (pin?.newTag ?? "").startsWith("sha256:");
      const tag = pin?.newTag ?? inlineTag;
      if (digest) digests += 1;
      if (digest || (tag !== undefined && tag !== "latest")) {
        pinned.push(`${bare}:${tag ?? c.image.slice(at + 1)}`);
        continue;
      }
      findings.push({
        check: "security.images",
        object: `${w.object} container ${c.name}`,
        file: w.source.file,
        document: w.source.document,
        field: `${field}.image`,
        expected: `an exact version: a digest, a tag other than latest, or a newTag for ${bare} in ${displayPath(set.kustomizationFile)}`,
        seen: JSON.stringify(c.image) + (tag === "latest" ? " (latest)" : " (no tag: latest)"),
        rules: RULES.imageTag,
      });
    }
  }
  return {
    findings,
    exemptions: [],
    scope: [{ check: "security.images", text: `${pinned.length} images pinned (${digests} by digest, the rest by exact tag): ${pinned.join(", ")}` }],
  };
}
