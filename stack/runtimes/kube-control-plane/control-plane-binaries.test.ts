import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { K3S_IMAGE } from "../kube/versions.ts";
import { cachedBinary, controlPlaneVersions, findControlPlane } from "./control-plane-binaries.ts";

describe("control plane binaries", () => {
  it("should pin the Kubernetes of the k3s pin and kwok in tools/kube-control-plane/go.mod", () => {
    const versions = controlPlaneVersions();
    expect(`v${versions.kubernetes}`).toBe(/^rancher\/k3s:(v\d+\.\d+\.\d+)-k3s\d+$/.exec(K3S_IMAGE)![1]);
    expect(versions.kwok).toMatch(/^\d+\.\d+\.\d+$/);
    expect(() => controlPlaneVersions("module x\n")).toThrow("tools/kube-control-plane/go.mod: expected a requirement of k8s.io/kubernetes, saw none");
  });

  it("should lay binaries out as <cache>/<name>/<version>/<name> and say what is missing and what builds it", async () => {
    const cache = await mkdtemp(path.join(tmpdir(), "obsconf-cache-"));
    try {
      const env = { OBSCONF_COMPONENTS_CACHE: cache };
      expect(cachedBinary("kube-apiserver", "v1.36.1", env)).toBe(path.join(cache, "kube-apiserver", "1.36.1", "kube-apiserver"));
      const found = findControlPlane(env);
      expect(found.available).toBe(false);
      if (!found.available)
        expect(found.reason).toMatch(
          new RegExp(
            `^the Kubernetes control plane is not built here \\(missing .*${cache}/kube-apiserver/\\d+\\.\\d+\\.\\d+/kube-apiserver, .*; bash scripts/build-kube-control-plane.sh builds it with Go, scripts/setup.sh runs it\\)$`,
          ),
        );
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
