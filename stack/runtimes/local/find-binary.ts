import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";

export interface FoundBinary {
  path: string;
  version?: string;
}

/** Looks a binary up on PATH (or takes the user's `--bin name=path`) and reads its version. */
export async function findBinary(names: readonly string[], override: string | undefined, versionArgs: readonly string[], versionPattern: RegExp): Promise<FoundBinary | undefined> {
  const candidates = override ? [override] : names.flatMap((name) => (process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name)));
  for (const candidate of candidates) {
    if (!(await isExecutable(candidate))) continue;
    const version = (await versionFromOutput(candidate, versionArgs, versionPattern)) ?? (await versionFromDpkg(candidate));
    return version === undefined ? { path: candidate } : { path: candidate, version };
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

/** Debian builds of some tools print an empty version; the package knows it. */
async function versionFromDpkg(file: string): Promise<string | undefined> {
  const owner = /^([^:\s]+):/.exec(await run("dpkg-query", ["-S", file]))?.[1];
  if (!owner) return undefined;
  const version = (await run("dpkg-query", ["-W", "-f=${Version}", owner])).trim();
  return /(\d+\.\d+\.\d+)/.exec(version)?.[1];
}
