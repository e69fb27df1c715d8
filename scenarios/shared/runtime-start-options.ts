import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";

/** The start options `--images` and `--context` put on the runtime choice, for `startStack`. */
export function runtimeStartOptions(choice: RuntimeChoice): { imagesDir?: string; context?: string } {
  return { ...(choice.imagesDir ? { imagesDir: choice.imagesDir } : {}), ...(choice.context ? { context: choice.context } : {}) };
}
