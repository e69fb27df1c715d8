import { componentDef } from "../../components/index.ts";
import type { ComponentSpec } from "../../manifest/component-spec.ts";
import { coreVersion, type ComponentPlan } from "../../plan.ts";
import { findBinary } from "./find-binary.ts";
import { OBSCONF_VERSION } from "../../obsconf-version.ts";

export interface LocalPlanOptions {
  /** `--bin name=path` overrides, by component or substitute name. */
  bins?: Readonly<Record<string, string>>;
}

/** Decides, per component, whether it runs as a process, through a substitute, or not at all. */
export async function planLocal(specs: readonly ComponentSpec[], { bins = {} }: LocalPlanOptions = {}): Promise<ComponentPlan[]> {
  return Promise.all(specs.map(async (spec): Promise<ComponentPlan> => {
    const def = componentDef(spec.name);
    const base = { component: spec.name, title: def.title, image: spec.image.ref, manifestVersion: spec.image.tag };
    const found = await findBinary(def.binaries, bins[spec.name], def.versionArgs, def.versionPattern);
    if (bins[spec.name] && !found) return { ...base, mode: "unavailable", reason: `--bin ${spec.name}=${bins[spec.name]} is not an executable file` };
    if (found && def.localBlocker) return { ...base, mode: "unavailable", reason: `${found.path} found, but ${def.localBlocker}` };
    if (found) {
      const mismatch = found.version !== undefined && coreVersion(found.version) !== coreVersion(spec.image.tag);
      return { ...base, mode: "process", binary: found.path, ...(found.version ? { binaryVersion: found.version } : {}), versionMismatch: mismatch };
    }
    const missing = `no ${def.binaries.join(" or ")} on PATH (name one with --bin ${spec.name}=PATH)`;
    if (def.localBlocker) return { ...base, mode: "unavailable", reason: def.localBlocker };
    for (const substitute of def.substitutes ?? []) {
      const sub = substitute.binaries === "builtin" ? builtinSink() : await findBinary(substitute.binaries, bins[substitute.name], substitute.versionArgs, substitute.versionPattern);
      if (sub) {
        return { ...base, mode: "substitute", substitute: substitute.name, binary: sub.path, ...(sub.version ? { binaryVersion: sub.version } : {}), describe: substitute.describe, reason: missing };
      }
    }
    const tried = def.substitutes?.length ? `; no substitute either (${def.substitutes.map((s) => (s.binaries === "builtin" ? s.name : s.binaries.join(" or "))).join(", ")})` : "";
    return { ...base, mode: "unavailable", reason: `${missing}${tried}` };
  }));
}

/** Reference sinks ship with obsconf: this Node runs them (`bin/obsconf.mjs sink <name>`). */
function builtinSink(): { path: string; version: string } {
  return { path: process.execPath, version: OBSCONF_VERSION };
}
