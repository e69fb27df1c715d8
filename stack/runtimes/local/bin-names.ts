import { accessSync, constants, statSync } from "node:fs";
import { InputError } from "../../../common/errors.ts";
import { COMPONENTS } from "../../components/index.ts";

/** Tools (not components) that `--bin` may name: the config checkers of `obsconf validate` and k6 of `run load --generator k6`. */
export const TOOL_BIN_NAMES: readonly string[] = ["promtool", "amtool", "k6"];

/** Every name `--bin name=path` accepts: a component, a substitute with its own binary, or a tool. */
export function knownBinNames(): string[] {
  const substitutes = COMPONENTS.flatMap((c) => (c.substitutes ?? []).filter((s) => s.binaries !== "builtin").map((s) => s.name));
  return [...COMPONENTS.map((c) => c.name), ...substitutes, ...TOOL_BIN_NAMES];
}

/**
 * `--bin name=path`, checked before anything starts: a known name and an executable regular file.
 * `path` as resolved; `given` as the user wrote it (for the error text).
 */
export function checkBinFlag(name: string, file: string, given = file): void {
  const known = knownBinNames();
  if (!known.includes(name))
    throw new InputError(
      { file: "command line", field: "--bin" },
      `a component or tool name (${known.join(", ")}) before '='`,
      `${JSON.stringify(name)} in ${JSON.stringify(`${name}=${given}`)}`,
    );
  let seen: string | undefined;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) seen = `${JSON.stringify(given)}, which is ${stat.isDirectory() ? "a directory" : "not a regular file"}`;
    else accessSync(file, constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    seen ??=
      code === "ENOENT"
        ? `${JSON.stringify(given)}, which does not exist`
        : code === "EACCES"
          ? `${JSON.stringify(given)}, which is not executable`
          : `${JSON.stringify(given)} (${code ?? String(error)})`;
  }
  if (seen) throw new InputError({ file: "command line", field: "--bin" }, `an executable file for ${name}`, seen);
}
