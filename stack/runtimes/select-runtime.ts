import { InputError } from "../../common/errors.ts";

export type RuntimeName = "local" | "k3s" | "cluster" | "auto";
export const RUNTIME_NAMES: readonly RuntimeName[] = ["local", "k3s", "cluster", "auto"];

const AVAILABLE = "local or auto (the k3s and cluster runtimes are not part of this build yet)";

export interface RuntimeChoice {
  runtime: "local";
  reason: string;
}

/**
 * Picks the runtime for `--runtime`. This build ships the local runtime only: `auto` falls back to
 * it and says why; asking for k3s or cluster explicitly is refused rather than silently run locally.
 */
export function selectRuntime(requested: string): RuntimeChoice {
  if (!RUNTIME_NAMES.includes(requested as RuntimeName)) {
    throw new InputError({ file: "command line", field: "--runtime" }, AVAILABLE, JSON.stringify(requested));
  }
  switch (requested as RuntimeName) {
    case "local":
      return { runtime: "local", reason: "--runtime local" };
    case "auto":
      return { runtime: "local", reason: "auto: the k3s and cluster runtimes are not part of this build, so the local runtime runs" };
    case "k3s":
    case "cluster":
      throw new InputError({ file: "command line", field: "--runtime" }, AVAILABLE, JSON.stringify(requested));
  }
}
