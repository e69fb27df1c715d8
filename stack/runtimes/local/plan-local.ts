import { access, constants, stat } from "node:fs/promises";
import path from "node:path";
import { componentDef } from "../../components/index.ts";
import type { ComponentSpec } from "../../manifest/component-spec.ts";
import { coreVersion, type BinarySource, type ComponentPlan } from "../../plan.ts";
import { jarVersion, lookupProvisioned, mainBinaryOf, recipeFor, type CacheLookup } from "../../provision/index.ts";
import { findJava } from "../../provision/toolchain.ts";
import { findBinary, type FoundBinary } from "./find-binary.ts";
import { OBSCONF_VERSION } from "../../obsconf-version.ts";

export interface LocalPlanOptions {
  /** `--bin name=path` overrides, by component or substitute name. */
  bins?: Readonly<Record<string, string>>;
  /** The component cache (default: componentsCacheRoot(), i.e. ~/.cache/obsconf/components). */
  componentsCache?: string;
  /**
   * A kubeconfig for components that watch a Kubernetes API (kube-state-metrics): with one, they run
   * locally against that API server; without, they are `unavailable`. Default: $OBSCONF_KUBECONFIG.
   */
  kubeconfig?: string;
}

const MAIN_JAR = /^kafka_2\.13-(\d+\.\d+\.\d+)\.jar$/;

/**
 * Decides, per component, whether it runs as a process, through a substitute, or not at all, and
 * which binary: `--bin` first, then the provisioned build at the manifest's version (component
 * cache), then one on PATH (Debian's packages; the reason the provisioned one was not used is kept).
 */
export async function planLocal(
  specs: readonly ComponentSpec[],
  { bins = {}, componentsCache, kubeconfig = process.env.OBSCONF_KUBECONFIG || undefined }: LocalPlanOptions = {},
): Promise<ComponentPlan[]> {
  return Promise.all(
    specs.map(async (spec): Promise<ComponentPlan> => {
      const def = componentDef(spec.name);
      const base = { component: spec.name, title: def.title, image: spec.image.ref, manifestVersion: spec.image.tag };
      const chosen = await chooseBinary(spec, bins[spec.name], componentsCache);
      if (chosen.kind === "bad-bin") return { ...base, mode: "unavailable", reason: chosen.reason };
      const blocker = def.localBlocker && !(def.unblockedByKubeconfig && kubeconfig) ? def.localBlocker : undefined;
      if (chosen.kind === "found" && blocker) return { ...base, mode: "unavailable", reason: `${chosen.found.path} found, but ${blocker}` };
      if (chosen.kind === "found") {
        const { found, source, fallbackReason, installDir } = chosen;
        const mismatch = found.version !== undefined && coreVersion(found.version) !== coreVersion(spec.image.tag);
        return {
          ...base,
          mode: "process",
          binary: found.path,
          ...(found.version ? { binaryVersion: found.version } : {}),
          versionMismatch: mismatch,
          source,
          ...(fallbackReason ? { fallbackReason } : {}),
          ...(installDir ? { installDir } : {}),
          ...(def.unblockedByKubeconfig && kubeconfig ? { kubeconfig } : {}),
        };
      }
      const missing = `${chosen.provisioned ? `${chosen.provisioned}; ` : ""}no ${def.binaries.join(" or ")} on PATH (name one with --bin ${spec.name}=PATH)`;
      if (blocker) return { ...base, mode: "unavailable", reason: blocker };
      for (const substitute of def.substitutes ?? []) {
        const sub =
          substitute.binaries === "builtin"
            ? builtinSink()
            : await findBinary(substitute.binaries, bins[substitute.name], substitute.versionArgs, substitute.versionPattern);
        if (sub) {
          const source: BinarySource =
            substitute.binaries === "builtin" ? "builtin" : bins[substitute.name] ? "bin" : "debianPackage" in sub && sub.debianPackage ? "debian" : "path";
          return {
            ...base,
            mode: "substitute",
            substitute: substitute.name,
            binary: sub.path,
            ...(sub.version ? { binaryVersion: sub.version } : {}),
            describe: substitute.describe,
            reason: missing,
            source,
          };
        }
      }
      const tried = def.substitutes?.length
        ? `; no substitute either (${def.substitutes.map((s) => (s.binaries === "builtin" ? s.name : s.binaries.join(" or "))).join(", ")})`
        : "";
      return { ...base, mode: "unavailable", reason: `${missing}${tried}` };
    }),
  );
}

type Choice =
  | { kind: "found"; found: FoundBinary; source: BinarySource; fallbackReason?: string; installDir?: string }
  | { kind: "bad-bin"; reason: string }
  | { kind: "none"; provisioned?: string };

async function chooseBinary(spec: ComponentSpec, override: string | undefined, componentsCache: string | undefined): Promise<Choice> {
  const def = componentDef(spec.name);
  const jars = def.localLaunch !== undefined && recipeFor(spec.name)?.kind === "maven";
  if (override) {
    if (jars) {
      const home = await kafkaHome(override);
      if (!home)
        return {
          kind: "bad-bin",
          reason: `--bin ${spec.name}=${override} is not a directory with libs/kafka_2.13-<version>.jar (an unpacked Kafka distribution or a provisioned cache entry)`,
        };
      const java = await findJava();
      if (!java.ok) return { kind: "bad-bin", reason: `--bin ${spec.name}=${override}: ${java.reason}` };
      return { kind: "found", found: { path: java.path, ...(home.version ? { version: home.version } : {}) }, source: "bin", installDir: home.dir };
    }
    const found = await findBinary(def.binaries, override, def.versionArgs, def.versionPattern);
    return found ? { kind: "found", found, source: "bin" } : { kind: "bad-bin", reason: `--bin ${spec.name}=${override} is not an executable file` };
  }
  const cached = await lookupProvisioned(spec.name, spec.image.tag, componentsCache ? { root: componentsCache } : {});
  let provisioned = cached ? notUsable(cached) : undefined;
  if (cached?.state === "ready") {
    const recipe = recipeFor(spec.name)!;
    const main = mainBinaryOf(recipe);
    if (main) {
      const binary = path.join(cached.dir, cached.provenance.binaries[main]!);
      const found = await findBinary([], binary, def.versionArgs, def.versionPattern);
      if (found) return { kind: "found", found, source: "provisioned", installDir: cached.dir };
      provisioned = `the provisioned ${binary} does not run`;
    } else {
      const java = await findJava();
      if (java.ok) return { kind: "found", found: { path: java.path, ...(await versionOf(cached.dir)) }, source: "provisioned", installDir: cached.dir };
      provisioned = `provisioned in ${cached.dir}, but ${java.reason}`;
    }
  }
  const onPath = await findBinary(def.binaries, undefined, def.versionArgs, def.versionPattern);
  if (onPath) {
    if (jars) {
      // A distribution's bin/kafka-server-start.sh: its jars are in ../libs; the broker runs on java.
      const home = await kafkaHome(path.dirname(path.dirname(onPath.path)));
      const java = await findJava();
      if (!home || !java.ok) return { kind: "none", ...(provisioned ? { provisioned } : {}) };
      return {
        kind: "found",
        found: { path: java.path, ...(home.version ? { version: home.version } : {}) },
        source: "path",
        installDir: home.dir,
        ...(provisioned ? { fallbackReason: provisioned } : {}),
      };
    }
    return { kind: "found", found: onPath, source: onPath.debianPackage ? "debian" : "path", ...(provisioned ? { fallbackReason: provisioned } : {}) };
  }
  return { kind: "none", ...(provisioned ? { provisioned } : {}) };
}

/** Why the cache entry is not used, in the plan's words (undefined when it is). */
function notUsable(cached: CacheLookup): string | undefined {
  switch (cached.state) {
    case "ready":
      return undefined;
    case "absent":
      return `not provisioned (no ${cached.dir}; obsconf setup components builds it)`;
    case "stale":
      return `provisioned build not used: ${cached.reason}`;
    case "failed":
      return `provisioning failed: ${cached.failure.reason.split("\n")[0]}`;
  }
}

async function kafkaHome(dir: string): Promise<{ dir: string; version?: string } | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) return undefined;
    await access(path.join(dir, "libs"), constants.R_OK);
  } catch {
    return undefined;
  }
  const version = await jarVersion(path.join(dir, "libs"), MAIN_JAR);
  return version ? { dir, version } : undefined;
}

async function versionOf(dir: string): Promise<{ version?: string }> {
  const version = await jarVersion(path.join(dir, "libs"), MAIN_JAR);
  return version ? { version } : {};
}

/** Reference sinks ship with obsconf: this Node runs them (`bin/obsconf.mjs sink <name>`). */
function builtinSink(): { path: string; version: string } {
  return { path: process.execPath, version: OBSCONF_VERSION };
}
