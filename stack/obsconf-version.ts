import { readFileSync } from "node:fs";

/** obsconf's own version (package.json), e.g. for the reference sinks' version in plans. */
export const OBSCONF_VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** The CLI entry point, which also runs the reference sinks (`obsconf sink <name>`). */
export const OBSCONF_BIN: string = new URL("../bin/obsconf.mjs", import.meta.url).pathname;
