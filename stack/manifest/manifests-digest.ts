import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../../common/errors.ts";
import { displayPath } from "./load-manifests.ts";

export interface ManifestsDigest {
  /** Hex SHA-256 over the `sha256sum`-style listing below. */
  sha256: string;
  /** One line per regular file: `<sha256>  <path relative to the directory>`, sorted by path (bytewise). */
  listing: string;
  files: number;
}

/**
 * A deterministic digest over every regular file under the manifests directory (recursive;
 * symlinks and other non-regular entries are refused, so the digest never depends on what a link
 * points to). Reproducible with coreutils:
 *   (cd stack/manifests && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum) | sha256sum
 */
export async function manifestsDigest(dir: string): Promise<ManifestsDigest> {
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      throw new InputError({ file: displayPath(path.join(dir, rel)) }, "a readable manifests directory", error.code ?? String(error), { cause: error });
    });
    for (const entry of entries) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) files.push(child);
      else
        throw new InputError(
          { file: displayPath(path.join(dir, child)) },
          "only regular files and directories in the manifests directory",
          entry.isSymbolicLink() ? "a symbolic link" : "a special file",
        );
    }
  };
  await walk("");
  if (files.length === 0) throw new InputError({ file: displayPath(dir) }, "a manifests directory with files", "an empty directory");
  files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const lines: string[] = [];
  for (const file of files)
    lines.push(
      `${createHash("sha256")
        .update(await readFile(path.join(dir, file)))
        .digest("hex")}  ${file}\n`,
    );
  const listing = lines.join("");
  return { sha256: createHash("sha256").update(listing).digest("hex"), listing, files: files.length };
}
