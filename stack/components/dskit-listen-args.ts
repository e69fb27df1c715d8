import type { LocalArgvContext } from "./component-def.ts";

/**
 * Loki, Promtail, Tempo and Mimir (dskit servers) listen on every interface unless told otherwise; in a
 * pod that is its own network namespace, on this machine it is the host's. On loopback the local runtime
 * adds `-server.{http,grpc}-listen-address=127.0.0.1` (unless the args set them). In a network namespace
 * the runtime made for a fault, every interface is the namespace's own, and the components reach their
 * own gRPC servers at `instance_addr: 127.0.0.1`, so the flags are left out there.
 */
export function dskitListenArgs(args: readonly string[], { listenHost, inNamespace }: LocalArgvContext): string[] {
  if (inNamespace) return [...args];
  const flags = ["-server.http-listen-address", "-server.grpc-listen-address"].filter((flag) => !args.some((a) => a.replace(/^--/, "-").startsWith(`${flag}=`)));
  return [...args, ...flags.map((flag) => `${flag}=${listenHost}`)];
}
