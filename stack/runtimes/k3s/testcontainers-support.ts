import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export type ClientSupport = { ok: true; version: string } | { ok: false; reason: string };

/**
 * Whether the installed testcontainers can load under this Node, read from its package.json
 * (`engines.node`) without importing it: testcontainers 12.2 requires Node >= 22.22, and on Node 20
 * its bundled undici throws at import time (it binds zlib's zstd decompressor, which Node 20 lacks).
 */
export function testcontainersSupport(nodeVersion: string = process.versions.node): ClientSupport {
  let pkg: TestcontainersPackage;
  try {
    const require = createRequire(import.meta.url);
    pkg = JSON.parse(readFileSync(require.resolve("testcontainers/package.json"), "utf8")) as TestcontainersPackage;
  } catch (error) {
    return { ok: false, reason: `testcontainers is not installed (${error instanceof Error ? error.message.split("\n")[0] : String(error)})` };
  }
  return nodeSupportOf(pkg, nodeVersion);
}

export interface TestcontainersPackage {
  version?: string;
  engines?: { node?: string };
}

/** Pure: whether `nodeVersion` satisfies a package's `engines.node` of the form `>=X[.Y[.Z]]` (no field: supported). */
export function nodeSupportOf(pkg: TestcontainersPackage, nodeVersion: string): ClientSupport {
  const version = pkg.version ?? "unknown";
  const minimum = /^\s*>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(pkg.engines?.node ?? "");
  if (!minimum) return { ok: true, version };
  const want = [minimum[1], minimum[2], minimum[3]].map((p) => Number(p ?? 0));
  const have = nodeVersion.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > want[i]!) break;
    if ((have[i] ?? 0) < want[i]!) {
      return {
        ok: false,
        reason: `testcontainers ${version} requires Node ${pkg.engines!.node!.trim()}, this is Node ${nodeVersion} (run obsconf on Node ${want.join(".")} or later, or install a testcontainers release that supports this Node)`,
      };
    }
  }
  return { ok: true, version };
}
