import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";

/** The start options `--images` and `--context` put on the runtime choice, for `startStack`. */
export function runtimeStartOptions(choice: RuntimeChoice): { imagesDir?: string; context?: string } {
  return { ...(choice.imagesDir ? { imagesDir: choice.imagesDir } : {}), ...(choice.context ? { context: choice.context } : {}) };
}

/**
 * Where the harness's instruments (alert sinks, the scraped canary target) listen: loopback on the local
 * runtime; every interface on k3s and a cluster, whose pods reach them at the host's address.
 */
export function instrumentListenHost(choice: RuntimeChoice): string {
  return choice.runtime === "local" ? "127.0.0.1" : "0.0.0.0";
}
