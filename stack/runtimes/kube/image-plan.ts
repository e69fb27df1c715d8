import type { K8sObject } from "../../manifest/load-manifests.ts";
import { inspectImagesDir, type ImageArchive } from "./image-archive.ts";
import { normalizeImageRef } from "./image-ref.ts";
import type { RenderedObject } from "./render.ts";
import { K3S_AIRGAP_IMAGES_DIR, K3S_IMAGE } from "./versions.ts";

export interface NeededImage {
  ref: string;
  /** `node`: the k3s image the container engine runs; `workload`: pulled by k3s's containerd. */
  role: "node" | "workload";
  /** `Kind name` of each workload (or `k3s node`) that runs it. */
  usedBy: string[];
  /** `unverified`: in no inspected archive, but an archive that could not be inspected may hold it. */
  status: "present" | "tarball" | "unverified" | "missing";
  /** The archive that holds it, when `status` is `tarball`. */
  archive?: string;
}

export type PlannedArchive = ImageArchive & { covers: string[] };

export interface ImagePlan {
  images: NeededImage[];
  archives: PlannedArchive[];
  /** Refs of images that are neither present nor in an archive. */
  missing: string[];
  preload: {
    /** Archives the k3s runtime copies into `airgapDir` in the container before k3s starts. */
    copyToAirgapDir: string[];
    airgapDir: string;
    /** Archives holding the k3s image itself: loaded into the host's container engine. */
    dockerLoad: string[];
  };
  /** What a user with registry access runs to produce the missing archives, one command per line. */
  saveCommands: string[];
}

export interface ImagePlanOptions {
  /** A directory of `*.tar`, `*.tar.gz`, `*.tar.zst` image archives (`docker save` or OCI layout). */
  imagesDir?: string;
  /** Images already available where they are needed (engine for the k3s image, node for workloads). */
  present?: readonly string[];
  /** The node image; `null` for the cluster runtime, whose nodes need none from us. */
  k3sImage?: string | null;
}

const SAVED_WORKLOADS = "obsconf-images.tar";
const SAVED_NODE = "obsconf-k3s-image.tar";

/** The images a run needs and how each gets onto the node, for offline (airgapped) k3s runs. */
export async function imagePlan(rendered: readonly RenderedObject[], { imagesDir, present = [], k3sImage = K3S_IMAGE }: ImagePlanOptions = {}): Promise<ImagePlan> {
  const needed = neededImages(rendered, k3sImage);
  const archives = imagesDir === undefined ? [] : await inspectImagesDir(imagesDir);
  const presentSet = new Set(present.map(normalizeImageRef));
  const uninspectable = archives.some((a) => a.kind === "uninspectable");
  const images = needed.map((image): NeededImage => {
    const key = normalizeImageRef(image.ref);
    if (presentSet.has(key)) return { ...image, status: "present" };
    const archive = archives.find((a) => a.kind === "inspected" && a.tags.some((t) => normalizeImageRef(t) === key));
    if (archive) return { ...image, status: "tarball", archive: archive.file };
    return { ...image, status: uninspectable ? "unverified" : "missing" };
  });
  const planned = archives.map((a): PlannedArchive => ({ ...a, covers: images.filter((i) => i.archive === a.file).map((i) => i.ref) }));
  const coversRole = (a: PlannedArchive, role: NeededImage["role"]) => images.some((i) => i.archive === a.file && i.role === role);
  const missing = images.filter((i) => i.status === "missing");
  return {
    images,
    archives: planned,
    missing: missing.map((i) => i.ref),
    preload: {
      copyToAirgapDir: planned.filter((a) => a.kind === "uninspectable" || coversRole(a, "workload")).map((a) => a.file),
      airgapDir: K3S_AIRGAP_IMAGES_DIR,
      dockerLoad: planned.filter((a) => coversRole(a, "node")).map((a) => a.file),
    },
    saveCommands: saveCommands(images.filter((i) => i.status === "missing" || i.status === "unverified")),
  };
}

function neededImages(rendered: readonly RenderedObject[], k3sImage: string | null): Pick<NeededImage, "ref" | "role" | "usedBy">[] {
  const images: Pick<NeededImage, "ref" | "role" | "usedBy">[] = k3sImage === null ? [] : [{ ref: k3sImage, role: "node", usedBy: ["k3s node"] }];
  for (const { object } of rendered) {
    for (const ref of containerImages(object)) {
      const user = `${object.kind} ${object.metadata.name}`;
      const known = images.find((i) => i.ref === ref);
      if (!known) images.push({ ref, role: "workload", usedBy: [user] });
      else if (!known.usedBy.includes(user)) known.usedBy.push(user);
    }
  }
  return images;
}

function containerImages(object: K8sObject): string[] {
  const pod = (object.spec as { template?: { spec?: { containers?: { image: string }[]; initContainers?: { image: string }[] } } } | undefined)?.template?.spec;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].map((c) => c.image);
}

/**
 * `docker save` writes the host's platform of each image: run it on a machine of the same CPU
 * architecture as the one that will run k3s. The node image is saved apart: it is `docker load`ed
 * into the engine, while workload images go to k3s's airgap directory.
 */
function saveCommands(missing: readonly NeededImage[]): string[] {
  const commands: string[] = [];
  for (const [role, file] of [["workload", SAVED_WORKLOADS], ["node", SAVED_NODE]] as const) {
    const refs = missing.filter((i) => i.role === role).map((i) => i.ref);
    if (refs.length === 0) continue;
    commands.push(`${refs.map((r) => `docker pull ${r}`).join(" && ")} && docker save -o ${file} ${refs.join(" ")}`);
  }
  return commands;
}

export const SAVED_ARCHIVE_NAMES = { workloads: SAVED_WORKLOADS, node: SAVED_NODE } as const;
