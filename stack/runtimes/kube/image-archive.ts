import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { createGunzip } from "node:zlib";
import { HarnessError } from "../../../common/errors.ts";
import { readTarFiles } from "./tar-entries.ts";

/** What an image tarball holds, read from its `manifest.json` (docker-archive) and `index.json` (OCI layout). */
export type ImageArchive =
  | { file: string; kind: "inspected"; format: "docker-archive" | "oci" | "docker-archive+oci"; tags: string[] }
  /** zstd (Node 20 cannot decompress it): copied as is, k3s reads it. */
  | { file: string; kind: "uninspectable"; reason: string }
  /** Not an image archive we can read (corrupt, or no manifest): not copied. */
  | { file: string; kind: "unreadable"; reason: string };

/**
 * What k3s's airgap import reads (k3s-io/k3s pkg/agent/containerd, preloadFile: `.tar`, `.tar.gz`/`.tgz`,
 * `.tar.zst`/`.tzst`, `.tar.bz2`/`.tbz`, `.tar.lz4`; anything else is "unhandled file type"). A
 * `.tar.zstd` is listed so the plan can say to rename it: k3s would skip it.
 */
const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.zst|tzst|tar\.zstd)$/;

/** Every image tarball in `dir` (not recursive), sorted by name and inspected. */
export async function inspectImagesDir(dir: string): Promise<ImageArchive[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    throw new HarnessError(
      `cannot read the images directory ${dir} (expected a directory of *.tar, *.tar.gz or *.tar.zst image archives; saw ${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  });
  const files = entries
    .filter((e) => e.isFile() && ARCHIVE.test(e.name))
    .map((e) => e.name)
    .sort();
  return Promise.all(files.map((name) => inspectArchive(path.join(dir, name))));
}

export async function inspectArchive(file: string): Promise<ImageArchive> {
  if (/\.tar\.zstd$/.test(file)) {
    return {
      file,
      kind: "unreadable",
      reason: `k3s imports zstd archives named *.tar.zst or *.tzst only (it would skip this one as "unhandled file type"): rename it to ${path.basename(file).replace(/\.tar\.zstd$/, ".tar.zst")}, not copied`,
    };
  }
  if (/\.(tar\.zst|tzst)$/.test(file)) {
    return { file, kind: "uninspectable", reason: "zstd-compressed: cannot inspect (Node 20 has no zstd), will be copied as is" };
  }
  const gzip = /\.(tar\.gz|tgz)$/.test(file);
  const source = createReadStream(file);
  const stream = gzip ? source.pipe(createGunzip()) : source;
  if (gzip) source.once("error", (error) => stream.destroy(error));
  let files: Map<string, Buffer>;
  try {
    files = await readTarFiles(stream, (name) => name === "manifest.json" || name === "index.json");
  } catch (error) {
    stream.destroy();
    return { file, kind: "unreadable", reason: `not a readable ${gzip ? "gzip " : ""}tar (${(error as Error).message}), not copied` };
  }
  const fromManifest = parseJson(files.get("manifest.json"), dockerArchiveTags);
  const fromIndex = parseJson(files.get("index.json"), ociIndexTags);
  if (fromManifest === undefined && fromIndex === undefined) {
    return {
      file,
      kind: "unreadable",
      reason: "no readable manifest.json or index.json at the top of the archive (not a docker save or OCI layout archive), not copied",
    };
  }
  const format = fromManifest !== undefined && fromIndex !== undefined ? "docker-archive+oci" : fromManifest !== undefined ? "docker-archive" : "oci";
  const tags = [...new Set([...(fromManifest ?? []), ...(fromIndex ?? [])])].sort();
  return { file, kind: "inspected", format, tags };
}

function parseJson(data: Buffer | undefined, read: (json: unknown) => string[]): string[] | undefined {
  if (data === undefined) return undefined;
  try {
    return read(JSON.parse(data.toString("utf8")));
  } catch {
    return undefined;
  }
}

/** `docker save`: `[{ "Config": ..., "RepoTags": ["grafana/loki:3.5.0"], "Layers": [...] }]`. */
function dockerArchiveTags(json: unknown): string[] {
  if (!Array.isArray(json)) throw new Error("manifest.json is not a list");
  return json.flatMap((entry: { RepoTags?: unknown }) =>
    Array.isArray(entry?.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === "string") : [],
  );
}

/**
 * OCI layout: `manifests[].annotations`. containerd (`ctr export`) and Docker 25+ name the image in
 * `io.containerd.image.name`; `org.opencontainers.image.ref.name` counts only when it is a full
 * reference (it is often just the tag, which names no image).
 */
function ociIndexTags(json: unknown): string[] {
  const manifests = (json as { manifests?: { annotations?: Record<string, string> }[] })?.manifests;
  if (!Array.isArray(manifests)) throw new Error("index.json has no manifests list");
  return manifests.flatMap((m) => {
    const containerd = m.annotations?.["io.containerd.image.name"];
    const ref = m.annotations?.["org.opencontainers.image.ref.name"];
    if (containerd) return [containerd];
    return ref && /[/:]/.test(ref) ? [ref] : [];
  });
}
