import { COMPONENT_NAMES } from "../../components/index.ts";
import { extractComponents, type ComponentSpec } from "../../manifest/component-spec.ts";
import { loadManifests, type ManifestSet } from "../../manifest/load-manifests.ts";
import type { ComponentPlan } from "../../plan.ts";
import { imagePlan, type ImagePlan } from "../kube/image-plan.ts";
import { exposedNodePorts, type NodePortExposure } from "../kube/node-ports.ts";
import { formatKubePlan, planKube } from "../kube/plan-kube.ts";
import { renderForTarget, type RenderedObject } from "../kube/render.ts";
import { K3S_IMAGE } from "../kube/versions.ts";
import { formatBytes, formatCpu, scaleRequests, summedRequests, type SummedRequests } from "../kube/resource-requests.ts";
import { probeK3s, type K3sProbe } from "./probe-k3s.ts";
import type { DockerEngine } from "./docker-engine.ts";

export interface K3sPlanOptions {
  manifestsDir: string;
  imagesDir?: string;
  image?: string;
  engine?: DockerEngine;
  /** A probe already made (auto made one); otherwise probed here. */
  probe?: K3sProbe;
  probeTimeoutMs?: number;
  /** Scale every container's requests by this factor in the rendering (a profile for a smaller engine); the preflight compares the scaled sum. */
  requestsScale?: number;
}

/** Everything the k3s runtime decides before it touches the engine: what `obsconf plan --runtime k3s` prints. */
export interface K3sPlan {
  set: ManifestSet;
  specs: ComponentSpec[];
  rendered: RenderedObject[];
  /** NodePorts the container must expose before it starts. */
  exposures: NodePortExposure[];
  images: ImagePlan;
  plans: ComponentPlan[];
  probe: K3sProbe;
  image: string;
  /** The rendered workloads' summed CPU and memory requests (what the preflight compared). */
  requests: SummedRequests;
  /** The rewrite line when requests were scaled. */
  scaled?: string;
}

export async function planK3s(options: K3sPlanOptions): Promise<K3sPlan> {
  const image = options.image ?? K3S_IMAGE;
  const set = await loadManifests(options.manifestsDir);
  const specs = extractComponents(set, COMPONENT_NAMES);
  const rendered = renderForTarget(set, { kind: "k3s" });
  const scaled = options.requestsScale !== undefined && options.requestsScale !== 1 ? scaleRequests(rendered, options.requestsScale) : undefined;
  const exposures = exposedNodePorts(rendered);
  const withoutProbe = await imagePlan(rendered, { k3sImage: image, ...(options.imagesDir ? { imagesDir: options.imagesDir } : {}) });
  const requests = summedRequests(rendered);
  const probe =
    options.probe ??
    (await probeK3s({
      image,
      imageArchives: withoutProbe.preload.dockerLoad,
      requests,
      ...(options.engine ? { engine: options.engine } : {}),
      ...(options.probeTimeoutMs ? { timeoutMs: options.probeTimeoutMs } : {}),
    }));
  const present = probe.usable && probe.imageSource === "present" ? [image] : [];
  const images =
    present.length > 0 ? await imagePlan(rendered, { k3sImage: image, present, ...(options.imagesDir ? { imagesDir: options.imagesDir } : {}) }) : withoutProbe;
  return {
    set,
    specs,
    rendered,
    exposures,
    images,
    plans: planKube(specs, rendered, images, { kind: "k3s" }),
    probe,
    image,
    requests,
    ...(scaled ? { scaled } : {}),
  };
}

const HINTS = {
  "no-image": (image: string) => ` (preload it: see "load the k3s image" below, or pass --images DIR holding a docker save of ${image})`,
  "no-engine": () => " (start Docker or point DOCKER_HOST at an engine)",
  "no-client": () => "",
  preflight: () => "",
} as const;

/** The plan's text: the probe's verdict first, then components, NodePorts and the preload steps. */
export function formatK3sPlan(plan: K3sPlan, imagesDir?: string): string {
  const verdict = plan.probe.usable
    ? `k3s can start here: ${plan.probe.reason}`
    : `k3s cannot start here: ${plan.probe.reason}${HINTS[plan.probe.problem](plan.image)}`;
  const notes = (plan.probe.notes ?? []).map((n) => `note: ${n}\n`).join("");
  const facts = plan.probe.facts;
  const sizing = `requests: the stack asks for ${formatCpu(plan.requests.cpuMillis)} and ${formatBytes(plan.requests.memoryBytes)}${facts ? `; the engine has ${facts.cpus} CPUs and ${formatBytes(facts.memoryBytes)}${facts.cgroupVersion ? `, cgroup v${facts.cgroupVersion}` : ""}` : ""}\n`;
  return `${verdict}\n${sizing}${notes}\n${formatKubePlan({ plans: plan.plans, specs: plan.specs, rendered: plan.rendered, images: plan.images, target: { kind: "k3s" }, ...(imagesDir ? { imagesDir } : {}) })}`;
}
