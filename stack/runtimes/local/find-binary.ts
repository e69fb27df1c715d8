import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";

export interface FoundBinary {
  path: string;
  version?: string;
  /** The Debian package that installed it (dpkg), when one did. */
  debianPackage?: string;
}

/** Looks a binary up on PATH (or takes the user's `--bin name=path`) and reads its version. */
export async function findBinary(
  names: readonly string[],
  override: string | undefined,
  versionArgs: readonly string[],
  versionPattern: RegExp,
): Promise<FoundBinary | undefined> {
  const candidates = override
    ? [override]
    : names.flatMap((name) =>
        (process.env.PATH ?? "")
          .split(path.delimiter)
          .filter(Boolean)
          .map((dir) => path.join(dir, name)),
      );
  for (const candidate of candidates) {
    if (!(await isExecutable(candidate))) continue;
    const owner = override ? undefined : await debianOwner(candidate);
    const version = (await versionFromOutput(candidate, versionArgs, versionPattern)) ?? (owner ? await debianVersion(owner) : undefined);
    return { path: candidate, ...(version === undefined ? {} : { version }), ...(owner ? { debianPackage: owner } : {}) };
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(file: string, args: readonly string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
}

async function versionFromOutput(file: string, args: readonly string[], pattern: RegExp): Promise<string | undefined> {
  return pattern.exec(await run(file, args))?.[1];
}

/** The Debian package that owns a file on PATH (dpkg-query -S), if any. */
async function debianOwner(file: string): Promise<string | undefined> {
  return /^([^:\s]+):/.exec(await run("dpkg-query", ["-S", file]))?.[1];
}

/** Debian builds of some tools print an empty version; the package knows it. */
async function debianVersion(owner: string): Promise<string | undefined> {
  const version = (await run("dpkg-query", ["-W", "-f=${Version}", owner])).trim();
  return /(\d+\.\d+\.\d+)/.exec(version)?.[1];
}
