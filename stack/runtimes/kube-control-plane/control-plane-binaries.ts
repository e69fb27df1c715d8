import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/** The project-owned Go module that pins the control plane (k8s.io/kubernetes and sigs.k8s.io/kwok). */
export const CONTROL_PLANE_MODULE = path.resolve(import.meta.dirname, "../../../tools/kube-control-plane");

/** `~/.cache/obsconf/components` (or `$OBSCONF_COMPONENTS_CACHE`): `<name>/<version>/<binary>`, shared with the other component builds. */
export function componentsCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.OBSCONF_COMPONENTS_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "obsconf", "components");
}

/** The path a component build writes: `<cache>/<name>/<version>/<name>`. */
export function cachedBinary(name: string, version: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(componentsCache(env), name, version.replace(/^v/, ""), name);
}

/**
 * A binary another build put in the cache, under `<version>` as given or with/without its leading
 * `v` (the component builds name the directory after the manifest's tag, e.g. `v2.16.0`); the first
 * executable one, else the unprefixed path (for the message).
 */
export function findCachedBinary(name: string, version: string, env: NodeJS.ProcessEnv = process.env): { path: string; found: boolean } {
  const bare = version.replace(/^v/, "");
  const candidates = [...new Set([version, bare, `v${bare}`])].map((v) => path.join(componentsCache(env), name, v, name));
  const found = candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return { path: found ?? cachedBinary(name, version, env), found: found !== undefined };
}

export interface ControlPlaneVersions {
  /** k8s.io/kubernetes, e.g. `1.36.1`. */
  kubernetes: string;
  /** sigs.k8s.io/kwok, e.g. `0.8.0`. */
  kwok: string;
}

/** The versions `tools/kube-control-plane/go.mod` requires (the one place they are pinned). */
export function controlPlaneVersions(goMod = readFileSync(path.join(CONTROL_PLANE_MODULE, "go.mod"), "utf8")): ControlPlaneVersions {
  const version = (module: string) => {
    const match = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/\./g, "\\.")}\\s+v(\\S+)`, "m").exec(goMod);
    if (!match) throw new Error(`tools/kube-control-plane/go.mod: expected a requirement of ${module}, saw none`);
    return match[1]!;
  };
  return { kubernetes: version("k8s.io/kubernetes"), kwok: version("sigs.k8s.io/kwok") };
}

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  /** kwok's node and pod stages (copied from the kwok module by the build). */
  kwokStagesDir: string;
  versions: ControlPlaneVersions & { etcd: string };
}

export type ControlPlaneAvailability = { available: true; binaries: ControlPlaneBinaries } | { available: false; reason: string };

const ETCD_CANDIDATES = ["/usr/bin/etcd", "/usr/local/bin/etcd"];

/**
 * Where the control plane's binaries are: etcd from Debian (`etcd-server`), the rest built by
 * `scripts/build-kube-control-plane.sh` into the components cache. Unavailable with the reason
 * (and what installs it) when one is missing.
 */
export function findControlPlane(env: NodeJS.ProcessEnv = process.env): ControlPlaneAvailability {
  const versions = controlPlaneVersions();
  const missing: string[] = [];
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const etcd = ETCD_CANDIDATES.find(executable);
  if (!etcd) missing.push("etcd (apt-get install etcd-server)");
  const built = {
    kubeApiserver: cachedBinary("kube-apiserver", versions.kubernetes, env),
    kubeControllerManager: cachedBinary("kube-controller-manager", versions.kubernetes, env),
    kubeScheduler: cachedBinary("kube-scheduler", versions.kubernetes, env),
    kwok: cachedBinary("kwok", versions.kwok, env),
  };
  for (const file of Object.values(built)) if (!executable(file)) missing.push(file);
  const kwokStagesDir = path.join(path.dirname(built.kwok), "stages");
  if (!existsSync(path.join(kwokStagesDir, "pod-ready.yaml"))) missing.push(`${kwokStagesDir}/*.yaml`);
  if (missing.length > 0) {
    return {
      available: false,
      reason: `the Kubernetes control plane is not built here (missing ${missing.join(", ")}; bash scripts/build-kube-control-plane.sh builds it with Go, scripts/setup.sh runs it)`,
    };
  }
  return { available: true, binaries: { etcd: etcd!, ...built, kwokStagesDir, versions: { ...versions, etcd: "debian" } } };
}
