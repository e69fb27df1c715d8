import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { manifestsDigest } from "./manifests-digest.ts";

const run = promisify(execFile);
const PROJECT_MANIFESTS = fileURLToPath(new URL("../manifests", import.meta.url));

describe("manifestsDigest", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-digest-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("should list every file with its sha256 sorted by path and change when one byte changes", async () => {
    await mkdir(path.join(dir, "sub"));
    await writeFile(path.join(dir, "b.yaml"), "b: 1\n");
    await writeFile(path.join(dir, "a.yaml"), "a: 1\n");
    await writeFile(path.join(dir, "sub", "c.yaml"), "c: 1\n");
    const first = await manifestsDigest(dir);
    expect(first.files).toBe(3);
    expect(
      first.listing
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("  ")[1]),
    ).toEqual(["a.yaml", "b.yaml", "sub/c.yaml"]);
    expect((await manifestsDigest(dir)).sha256).toBe(first.sha256);
    await writeFile(path.join(dir, "sub", "c.yaml"), "c: 2\n");
    expect((await manifestsDigest(dir)).sha256).not.toBe(first.sha256);
  });

  it("should refuse a symbolic link, naming it", async () => {
    await writeFile(path.join(dir, "a.yaml"), "a: 1\n");
    await symlink(path.join(dir, "a.yaml"), path.join(dir, "link.yaml"));
    await expect(manifestsDigest(dir)).rejects.toThrow(
      `${path.join(dir, "link.yaml")}: expected only regular files and directories in the manifests directory, saw a symbolic link`,
    );
  });

  it("should equal the documented coreutils pipeline over the project's manifests", async (ctx) => {
    const tools = await run("bash", ["-c", "command -v sha256sum && command -v find"]).catch(() => undefined);
    if (!tools) {
      console.log("skipped: sha256sum or find is not on PATH");
      ctx.skip();
      return;
    }
    const { stdout } = await run("bash", ["-c", "(find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum) | sha256sum"], {
      cwd: PROJECT_MANIFESTS,
    });
    expect((await manifestsDigest(PROJECT_MANIFESTS)).sha256).toBe(stdout.split(" ")[0]);
  });
});
