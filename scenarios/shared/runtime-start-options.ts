import type { Profile } from "../../assertions/contract.ts";
import type { RuntimeChoice } from "../../stack/runtimes/select-runtime.ts";

/**
 * The start options `--images` and `--context` put on the runtime choice, for `startStack`; on k3s also
 * the profile's `kube.requestsScale` (requests scaled in the rendering so the stack fits a smaller engine).
 */
export function runtimeStartOptions(choice: RuntimeChoice, profile?: Pick<Profile, "kube">): { imagesDir?: string; context?: string; requestsScale?: number } {
  const scale = choice.runtime === "k3s" ? profile?.kube.requestsScale : undefined;
  return {
    ...(choice.imagesDir ? { imagesDir: choice.imagesDir } : {}),
    ...(choice.context ? { context: choice.context } : {}),
    ...(scale !== undefined ? { requestsScale: scale } : {}),
  };
}

/**
 * Where the harness's instruments (alert sinks, the scraped canary target) listen: loopback on the local
 * runtime; every interface on k3s and a cluster, whose pods reach them at the host's address.
 */
export function instrumentListenHost(choice: RuntimeChoice): string {
  return choice.runtime === "local" ? "127.0.0.1" : "0.0.0.0";
}
