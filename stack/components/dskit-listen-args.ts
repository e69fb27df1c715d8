import { parse, stringify } from "yaml";
import type { LocalAdaptContext, LocalArgvContext } from "./component-def.ts";

/**
 * Loki, Promtail, Tempo and Mimir (dskit servers) listen on every interface unless told otherwise; in a
 * pod that is its own network namespace, on this machine it is the host's. On loopback the local runtime
 * binds both servers to 127.0.0.1. In a network namespace the runtime made for a fault, every interface
 * is the namespace's own and the component reaches its own gRPC server at `instance_addr: 127.0.0.1`,
 * so nothing is added there.
 */
const FLAGS = ["-server.http-listen-address", "-server.grpc-listen-address"] as const;
const KEYS = ["http_listen_address", "grpc_listen_address"] as const;

/** Loki, Promtail and Mimir take `-server.{http,grpc}-listen-address` (unless the args already set them). */
export function dskitListenArgs(args: readonly string[], { listenHost, inNamespace }: LocalArgvContext): string[] {
  if (inNamespace) return [...args];
  const flags = FLAGS.filter((flag) => !args.some((a) => a.replace(/^--/, "-").startsWith(`${flag}=`)));
  return [...args, ...flags.map((flag) => `${flag}=${listenHost}`)];
}

/**
 * Tempo registers only the listen ports as flags (2.8.0: `flag provided but not defined:
 * -server.http-listen-address`); its addresses are `server.{http,grpc}_listen_address` in the config file.
 */
export function dskitListenConfig(text: string, context: Pick<LocalAdaptContext, "listen" | "note">): string {
  if (context.listen === undefined || context.listen.inNamespace) return text;
  const config = (parse(text) ?? {}) as { server?: Record<string, unknown> };
  const server = (config.server ??= {});
  const added = KEYS.filter((key) => server[key] === undefined);
  if (added.length === 0) return text;
  for (const key of added) server[key] = context.listen.listenHost;
  context.note(`server: ${added.map((key) => `${key}: ${context.listen!.listenHost}`).join(", ")} (the servers listen on loopback, not every interface)`);
  return stringify(config, { lineWidth: 0 });
}
