import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_NAMES, componentDef } from "../../components/index.ts";
import { extractComponents, type ComponentSpec } from "../../manifest/component-spec.ts";
import { loadManifests, type ManifestSet } from "../../manifest/load-manifests.ts";
import { dockerManifest, fakeTar } from "./fake-tar.ts";
import { imagePlan } from "./image-plan.ts";
import { formatKubePlan, planKube } from "./plan-kube.ts";
import { renderForTarget, type RenderTarget } from "./render.ts";
import { runNamespace } from "./run-namespace.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

describe("planKube", () => {
  let set: ManifestSet;
  let specs: ComponentSpec[];
  let dir: string;
  beforeAll(async () => {
    set = await loadManifests(MANIFESTS);
    specs = extractComponents(set, COMPONENT_NAMES);
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-plan-kube-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function planFor(target: RenderTarget) {
    const rendered = renderForTarget(set, target);
    const images = await imagePlan(rendered, target.kind === "k3s" ? { imagesDir: dir } : { k3sImage: null });
    return { rendered, images, plans: planKube(specs, rendered, images, target) };
  }

  it("should run every component as a pod of its pinned manifest image", async () => {
    for (const target of [{ kind: "k3s" }, { kind: "cluster", namespace: runNamespace("r1"), runId: "r1" }] as const) {
      const { plans } = await planFor(target);
      expect(plans).toEqual(
        specs.map((spec) => ({
          component: spec.name,
          title: componentDef(spec.name).title,
          image: spec.image.ref,
          manifestVersion: spec.image.tag,
          mode: "pod",
        })),
      );
    }
  });

  it("should print the k3s plan with exposed ports, archives, missing images and how to preload them", async () => {
    const loki = specs.find((s) => s.name === "loki")!.image.ref;
    await writeFile(path.join(dir, "loki.tar"), fakeTar([{ name: "manifest.json", content: dockerManifest([loki]) }]));
    const target = { kind: "k3s" } as const;
    const { rendered, images, plans } = await planFor(target);
    const text = formatKubePlan({ plans, specs, rendered, images, target, imagesDir: dir }).replaceAll(dir, "<imagesDir>");
    expect(text).toContain("/var/lib/rancher/k3s/agent/images/");
    expect(text).toContain("ctr -n k8s.io images import");
    expect(text).toMatchSnapshot();
  });

  it("should print the cluster plan without NodePorts or airgap steps", async () => {
    const target = { kind: "cluster", namespace: runNamespace("r1"), runId: "r1" } as const;
    const { rendered, images, plans } = await planFor(target);
    expect(formatKubePlan({ plans, specs, rendered, images, target })).toMatchSnapshot();
  });
});
