import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "./load-manifests.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("README's table of upstream versions", () => {
  it("should list exactly the images and tags pinned in stack/manifests/kustomization.yaml", async () => {
    const set = await loadManifests(path.join(ROOT, "stack/manifests"));
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("<!-- versions:start -->"), readme.indexOf("<!-- versions:end -->"));
    const rows = [...table.matchAll(/^\| ([^|]+) \| ([^|]+) \|$/gm)]
      .map((m) => [m[1]!.trim(), m[2]!.trim()])
      .filter(([image]) => image !== "image" && !image.startsWith("---"));
    expect(rows).toEqual(set.images.map((pin) => [pin.newName ?? pin.name, pin.newTag]));
  });
});
