import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dockerManifest, fakeTar } from "../kube/fake-tar.ts";
import { K3S_IMAGE } from "../kube/versions.ts";
import { formatK3sPlan, planK3s } from "./k3s-plan.ts";
import type { K3sProbe } from "./probe-k3s.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const noImage: K3sProbe = {
  usable: false,
  problem: "no-image",
  engine: "unix:///var/run/docker.sock",
  engineVersion: "20.10.24",
  image: K3S_IMAGE,
  reason: `the k3s image ${K3S_IMAGE} is not present`,
};

describe("planK3s", () => {
  it("should put the probe's verdict and the preload hint before the plan", async () => {
    const plan = await planK3s({ manifestsDir: MANIFESTS, probe: noImage });
    const text = formatK3sPlan(plan);
    expect(text.split("\n")[0]).toBe(
      `k3s cannot start here: the k3s image ${K3S_IMAGE} is not present (preload it: see "load the k3s image" below, or pass --images DIR holding a docker save of ${K3S_IMAGE})`,
    );
    expect(text).toContain(`and load the k3s image on this machine: docker load -i obsconf-k3s-image.tar`);
    expect(plan.exposures.map((e) => `${e.service}/${e.port}=${e.nodePort}`)).toMatchSnapshot();
  });

  it("should count the k3s image as present when the probe found it, and as an archive to docker load when --images holds it", async () => {
    const present = await planK3s({ manifestsDir: MANIFESTS, probe: { ...noImage, usable: true, imageSource: "present", reason: "present" } as K3sProbe });
    expect(present.images.images[0]).toMatchObject({ ref: K3S_IMAGE, status: "present" });
    const dir = await mkdtemp(path.join(tmpdir(), "obsconf-k3s-plan-"));
    try {
      await writeFile(path.join(dir, "obsconf-k3s-image.tar"), fakeTar([{ name: "manifest.json", content: dockerManifest([K3S_IMAGE]) }]));
      const archived = await planK3s({ manifestsDir: MANIFESTS, imagesDir: dir, probe: noImage });
      expect(archived.images.preload.dockerLoad).toEqual([path.join(dir, "obsconf-k3s-image.tar")]);
      expect(archived.images.missing).not.toContain(K3S_IMAGE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
