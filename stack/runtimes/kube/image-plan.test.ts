import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadManifests } from "../../manifest/load-manifests.ts";
import { dockerManifest, fakeTar, ociIndex } from "./fake-tar.ts";
import { imagePlan } from "./image-plan.ts";
import { renderForTarget, type RenderedObject } from "./render.ts";
import { K3S_IMAGE } from "./versions.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");

describe("imagePlan", () => {
  let rendered: RenderedObject[];
  let pinned: Record<string, string>;
  let dir: string;
  const masked = (text: string) => text.replaceAll(dir, "<imagesDir>");

  beforeAll(async () => {
    rendered = renderForTarget(await loadManifests(MANIFESTS), { kind: "k3s" });
    const kustomization = parse(await readFile(path.join(MANIFESTS, "kustomization.yaml"), "utf8")) as {
      images: { name: string; newName?: string; newTag: string }[];
    };
    pinned = Object.fromEntries(kustomization.images.map((i) => [i.name, `${i.newName ?? i.name}:${i.newTag}`]));
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-image-plan-test-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("should list the k3s image and every pinned image of the kustomization, all missing without archives", async () => {
    const plan = await imagePlan(rendered);
    expect(plan.images[0]).toEqual({ ref: K3S_IMAGE, role: "node", usedBy: ["k3s node"], status: "missing" });
    expect(plan.images.map((i) => i.ref).sort(byK3sFirst)).toEqual([K3S_IMAGE, ...Object.values(pinned)].sort(byK3sFirst));
    expect(plan.missing).toEqual(plan.images.map((i) => i.ref));
    expect(plan.images.find((i) => i.ref === pinned["grafana/loki"])?.usedBy).toEqual(["StatefulSet loki"]);
  });

  it("should plan an airgap preload from a docker-archive tarball covering one image", async () => {
    const loki = pinned["grafana/loki"]!;
    await writeFile(
      path.join(dir, "loki.tar"),
      fakeTar([
        { name: "blobs/sha256/1111", content: Buffer.alloc(20_000, 9) },
        { name: "manifest.json", content: dockerManifest([loki]) },
      ]),
    );
    await writeFile(path.join(dir, "README.txt"), "not an archive");
    const plan = await imagePlan(rendered, { imagesDir: dir });
    expect(plan.images.filter((i) => i.status === "tarball").map((i) => [i.ref, i.archive])).toEqual([[loki, path.join(dir, "loki.tar")]]);
    expect(plan.archives).toEqual([{ file: path.join(dir, "loki.tar"), kind: "inspected", format: "docker-archive", tags: [loki], covers: [loki] }]);
    expect(plan.missing).not.toContain(loki);
    expect(plan.missing).toHaveLength(plan.images.length - 1);
    expect({ ...plan.preload, copyToAirgapDir: plan.preload.copyToAirgapDir.map(masked) }).toEqual({
      copyToAirgapDir: ["<imagesDir>/loki.tar"],
      airgapDir: "/var/lib/rancher/k3s/agent/images/",
      dockerLoad: [],
    });
    expect(plan.saveCommands).toMatchSnapshot();
  });

  it("should read OCI index.json from a gzip tarball, trust present images and copy zstd archives unread", async () => {
    await writeFile(
      path.join(dir, "k3s.tar.gz"),
      gzipSync(
        fakeTar([
          { name: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' },
          { name: "index.json", content: ociIndex([`docker.io/${K3S_IMAGE}`]) },
        ]),
      ),
    );
    await writeFile(path.join(dir, "more.tar.zst"), Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    await writeFile(path.join(dir, "broken.tar.gz"), "not gzip");
    await writeFile(path.join(dir, "plain.tar"), fakeTar([{ name: "hello.txt", content: "no manifest" }]));
    const prometheus = pinned["quay.io/prometheus/prometheus"]!;
    const plan = await imagePlan(rendered, { imagesDir: dir, present: [prometheus] });
    const status = Object.fromEntries(plan.images.map((i) => [i.ref, i.status]));
    expect(status[K3S_IMAGE]).toBe("tarball");
    expect(status[prometheus]).toBe("present");
    expect(new Set(Object.values(status))).toEqual(new Set(["tarball", "present", "unverified"]));
    expect(plan.missing).toEqual([]);
    expect(plan.archives.map((a) => ({ ...a, file: masked(a.file) }))).toMatchSnapshot();
    expect(plan.preload.dockerLoad.map(masked)).toEqual(["<imagesDir>/k3s.tar.gz"]);
    expect(plan.preload.copyToAirgapDir.map(masked)).toEqual(["<imagesDir>/more.tar.zst"]);
  });

  it("should refuse a .tar.zstd archive k3s would skip, and copy k3s's own airgap archive", async () => {
    await writeFile(path.join(dir, "obsconf-images.tar.zstd"), Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    await writeFile(path.join(dir, "k3s-airgap-images-amd64.tar.zst"), Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    const plan = await imagePlan(rendered, { imagesDir: dir, platform: "linux/arm64" });
    expect(plan.archives.map((a) => [masked(a.file), a.kind, "reason" in a ? a.reason : ""])).toEqual([
      ["<imagesDir>/k3s-airgap-images-amd64.tar.zst", "uninspectable", "zstd-compressed: cannot inspect (Node 20 has no zstd), will be copied as is"],
      [
        "<imagesDir>/obsconf-images.tar.zstd",
        "unreadable",
        'k3s imports zstd archives named *.tar.zst or *.tzst only (it would skip this one as "unhandled file type"): rename it to obsconf-images.tar.zst, not copied',
      ],
    ]);
    expect(plan.preload.copyToAirgapDir.map(masked)).toEqual(["<imagesDir>/k3s-airgap-images-amd64.tar.zst"]);
    expect(plan.k3sSystemImages).toEqual({ status: "tarball", archive: path.join(dir, "k3s-airgap-images-amd64.tar.zst") });
    expect(plan.saveCommands[0]).toMatch(/^docker pull --platform linux\/arm64 \S+ && .* && docker save --platform linux\/arm64 -o obsconf-images.tar /);
  });

  it("should need no k3s image for the cluster runtime", async () => {
    const plan = await imagePlan(rendered, { k3sImage: null });
    expect(plan.images.map((i) => i.role)).not.toContain("node");
  });

  it("should say which images directory it could not read", async () => {
    await expect(imagePlan(rendered, { imagesDir: path.join(dir, "nope") })).rejects.toThrow(
      `cannot read the images directory ${path.join(dir, "nope")} (expected a directory of *.tar, *.tar.gz or *.tar.zst image archives; saw ENOENT)`,
    );
  });
});

function byK3sFirst(a: string, b: string): number {
  return (a === K3S_IMAGE ? 0 : 1) - (b === K3S_IMAGE ? 0 : 1) || a.localeCompare(b);
}
