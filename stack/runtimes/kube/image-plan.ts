import path from "node:path";
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
  /** k3s's own system images: the release's airgap archive in the images directory, or missing (pulled by k3s if a registry answers). */
  k3sSystemImages?: { status: "tarball"; archive: string } | { status: "missing"; archiveName: string };
}

export interface ImagePlanOptions {
  /** A directory of `*.tar`, `*.tar.gz`, `*.tar.zst` image archives (`docker save` or OCI layout). */
  imagesDir?: string;
  /** Images already available where they are needed (engine for the k3s image, node for workloads). */
  present?: readonly string[];
  /** The node image; `null` for the cluster runtime, whose nodes need none from us. */
  k3sImage?: string | null;
  /** `linux/amd64`: the platform `docker pull`/`docker save` take (default: this machine's). */
  platform?: string;
}

/** `linux/amd64` or `linux/arm64` from Node's `process.arch` or the engine's `Architecture` (`x86_64`, `aarch64`). */
export function linuxPlatform(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: "amd64", x86_64: "amd64", amd64: "amd64", arm64: "arm64", aarch64: "arm64", arm: "arm", armv7l: "arm" };
  return `linux/${map[arch] ?? arch}`;
}

/**
 * k3s's own images (pause, CoreDNS, local-path-provisioner and the busybox its volume helper pods
 * run): k3s publishes them per release as one airgap archive, `k3s-airgap-images-<arch>.tar.zst`.
 */
export const K3S_SYSTEM_IMAGES_ARCHIVE = /^k3s-airgap-images-[a-z0-9]+\.(tar|tar\.gz|tar\.zst|tzst)$/;

const SAVED_WORKLOADS = "obsconf-images.tar";
const SAVED_NODE = "obsconf-k3s-image.tar";

/** The images a run needs and how each gets onto the node, for offline (airgapped) k3s runs. */
export async function imagePlan(
  rendered: readonly RenderedObject[],
  { imagesDir, present = [], k3sImage = K3S_IMAGE, platform = linuxPlatform() }: ImagePlanOptions = {},
): Promise<ImagePlan> {
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
  const systemArchive = planned.find((a) => K3S_SYSTEM_IMAGES_ARCHIVE.test(path.basename(a.file)) && a.kind !== "unreadable");
  const arch = platform.split("/")[1] ?? "amd64";
  const k3sSystemImages =
    k3sImage === null
      ? undefined
      : systemArchive
        ? { status: "tarball" as const, archive: systemArchive.file }
        : { status: "missing" as const, archiveName: `k3s-airgap-images-${arch}.tar.zst` };
  return {
    ...(k3sSystemImages ? { k3sSystemImages } : {}),
    images,
    archives: planned,
    missing: missing.map((i) => i.ref),
    preload: {
      copyToAirgapDir: planned.filter((a) => a.kind === "uninspectable" || coversRole(a, "workload") || a.file === systemArchive?.file).map((a) => a.file),
      airgapDir: K3S_AIRGAP_IMAGES_DIR,
      dockerLoad: planned.filter((a) => coversRole(a, "node")).map((a) => a.file),
    },
    saveCommands: saveCommands(
      images.filter((i) => i.status === "missing" || i.status === "unverified"),
      platform,
    ),
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
 * Pulled and saved for one platform: k3s imports airgap archives for all platforms
 * (containerd's WithAllPlatforms, k3s-io/k3s#2198), and `docker save` on Docker's containerd image
 * store writes an image's whole multi-platform index with only the pulled platform's layers, which
 * that import refuses ("content digest ... not found"); `--platform` (Docker 28+) saves one
 * platform's manifest only. The node image is saved apart: it is `docker load`ed into the engine,
 * while workload images go to k3s's airgap directory.
 */
function saveCommands(missing: readonly NeededImage[], platform: string): string[] {
  const commands: string[] = [];
  for (const [role, file] of [
    ["workload", SAVED_WORKLOADS],
    ["node", SAVED_NODE],
  ] as const) {
    const refs = missing.filter((i) => i.role === role).map((i) => i.ref);
    if (refs.length === 0) continue;
    commands.push(
      `${refs.map((r) => `docker pull --platform ${platform} ${r}`).join(" && ")} && docker save --platform ${platform} -o ${file} ${refs.join(" ")}`,
    );
  }
  return commands;
}

export const SAVED_ARCHIVE_NAMES = { workloads: SAVED_WORKLOADS, node: SAVED_NODE } as const;
