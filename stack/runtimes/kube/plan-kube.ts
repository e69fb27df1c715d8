import { HarnessError } from "../../../common/errors.ts";
import { formatTable } from "../../../common/text-table.ts";
import { componentDef } from "../../components/index.ts";
import type { ComponentSpec } from "../../manifest/component-spec.ts";
import type { ComponentPlan } from "../../plan.ts";
import { SAVED_ARCHIVE_NAMES, type ImagePlan, type NeededImage } from "./image-plan.ts";
import { exposedNodePorts } from "./node-ports.ts";
import type { RenderedObject, RenderTarget } from "./render.ts";
import { K3S_AIRGAP_IMAGES_DIR, K3S_RELEASE } from "./versions.ts";

type PodPlan = Extract<ComponentPlan, { mode: "pod" }>;

/** Every component runs as its manifest's pod; the image is the rendered (pinned) one. */
export function planKube(specs: readonly ComponentSpec[], rendered: readonly RenderedObject[], _images: ImagePlan, target: RenderTarget): ComponentPlan[] {
  return specs.map(
    (spec): PodPlan => ({
      component: spec.name,
      title: componentDef(spec.name).title,
      image: renderedImage(spec, rendered, target),
      manifestVersion: spec.image.tag,
      mode: "pod",
    }),
  );
}

function renderedImage(spec: ComponentSpec, rendered: readonly RenderedObject[], target: RenderTarget): string {
  const namespace = target.kind === "cluster" ? target.namespace : spec.workload.namespace;
  const workload = rendered.find(
    (o) => o.object.kind === spec.workload.kind && o.object.metadata.name === spec.workload.name && o.object.metadata.namespace === namespace,
  );
  const containers = (workload?.object.spec as { template: { spec: { containers: { name: string; image: string }[] } } } | undefined)?.template.spec.containers;
  const image = containers?.find((c) => c.name === spec.container.name)?.image;
  if (image === undefined) {
    throw new HarnessError(
      `rendered manifests have no container ${spec.container.name} in ${spec.workload.kind} ${namespace}/${spec.workload.name} (component ${spec.name}, from ${spec.source.file} document ${spec.source.document})`,
    );
  }
  return image;
}

export interface KubePlanTextOptions {
  plans: readonly ComponentPlan[];
  specs: readonly ComponentSpec[];
  rendered: readonly RenderedObject[];
  images: ImagePlan;
  target: RenderTarget;
  /** The images directory the run was given, named in the instructions. */
  imagesDir?: string;
}

/** The text of `obsconf plan --runtime k3s|cluster`: components, exposed ports, and how to get missing images. */
export function formatKubePlan({ plans, specs, rendered, images, target, imagesDir }: KubePlanTextOptions): string {
  const node = images.images.find((i) => i.role === "node");
  const namespace = target.kind === "cluster" ? target.namespace : (specs[0]?.workload.namespace ?? "");
  const out = [`runtime: ${target.kind}${node ? ` (${node.ref})` : ""}, namespace ${namespace}`, ""];
  const imageOf = (ref: string) => images.images.find((i) => i.ref === ref);
  out.push(
    formatTable(
      ["component", "workload", "image", "image source"],
      plans.map((plan) => {
        const spec = specs.find((s) => s.name === plan.component)!;
        return [plan.component, `${spec.workload.kind} ${spec.workload.name}`, plan.image, describeSource(imageOf(plan.image), target)];
      }),
      { maxWidth: 110 },
    ),
  );
  if (target.kind === "k3s") {
    out.push("", "exposed through NodePorts (the runtime maps each with getMappedPort):");
    out.push(
      formatTable(
        ["service", "port", "nodePort"],
        exposedNodePorts(rendered).map((e) => [e.service, e.port, String(e.nodePort)]),
      ),
    );
    out.push("", ...preloadText(images, imagesDir));
  }
  return `${out.join("\n")}\n`;
}

function describeSource(image: NeededImage | undefined, target: RenderTarget): string {
  if (target.kind === "cluster") return "pulled by the cluster's nodes";
  switch (image?.status) {
    case "present":
      return "present";
    case "tarball":
      return `archive ${image.archive}`;
    case "unverified":
      return "not verified (an archive could not be inspected)";
    default:
      return "MISSING (pulled from its registry if reachable)";
  }
}

function preloadText(images: ImagePlan, imagesDir: string | undefined): string[] {
  const counts = (["present", "tarball", "unverified", "missing"] as const).map(
    (s) => `${images.images.filter((i) => i.status === s).length} ${s === "tarball" ? "in archives" : s}`,
  );
  const lines = [`images: ${images.images.length} needed: ${counts.join(", ")}`];
  for (const archive of images.archives) {
    lines.push(
      archive.kind === "inspected"
        ? `  ${archive.file} (${archive.format}): ${archive.covers.length > 0 ? `covers ${archive.covers.join(", ")}` : "covers no needed image, not copied"}`
        : `  ${archive.file}: ${archive.reason}`,
    );
  }
  const airgap = `k3s's airgap images directory ${K3S_AIRGAP_IMAGES_DIR} in the container, before k3s starts (k3s imports every archive there at startup)`;
  if (images.preload.copyToAirgapDir.length > 0) lines.push(`the k3s runtime copies ${images.preload.copyToAirgapDir.join(", ")} into ${airgap}`);
  for (const file of images.preload.dockerLoad) lines.push(`the k3s image is in ${file}: load it into the container engine first: docker load -i ${file}`);
  const system = images.k3sSystemImages;
  if (system?.status === "tarball") lines.push(`k3s's own system images (pause, CoreDNS, local-path-provisioner, busybox): ${system.archive}`);
  if (system?.status === "missing") {
    lines.push(
      `k3s's own system images (pause, CoreDNS, local-path-provisioner and the busybox of its volume helper) are pulled by k3s at start; offline, put the k3s release's ${system.archiveName} (release assets of k3s ${K3S_RELEASE}) in ${imagesDir ?? "the images directory"}`,
    );
  }
  const absent = images.images.filter((i) => i.status === "missing" || i.status === "unverified");
  if (absent.length === 0) return lines;
  lines.push(
    "",
    `images not in any archive${images.images.some((i) => i.status === "unverified") ? " (or only possibly, in an archive that could not be inspected)" : ""}:`,
  );
  for (const image of absent) lines.push(`  ${image.ref} (${image.usedBy.join(", ")})${image.status === "unverified" ? " [not verified]" : ""}`);
  const dir = imagesDir ?? "the images directory given to the k3s runtime";
  lines.push(
    "",
    "without registry access, preload them: on a machine with registry access and the same CPU architecture, run",
    ...images.saveCommands.map((c) => `  ${c}`),
  );
  if (absent.some((i) => i.role === "workload")) {
    lines.push(
      `then put ${SAVED_ARCHIVE_NAMES.workloads} in ${dir}: the k3s runtime copies it into ${airgap};`,
      `into a k3s that is already running: docker cp ${SAVED_ARCHIVE_NAMES.workloads} <k3s container>:/tmp/ && docker exec <k3s container> ctr -n k8s.io images import /tmp/${SAVED_ARCHIVE_NAMES.workloads}`,
    );
  }
  if (absent.some((i) => i.role === "node")) lines.push(`and load the k3s image on this machine: docker load -i ${SAVED_ARCHIVE_NAMES.node}`);
  return lines;
}
