import type { LocalService } from "../../components/component-def.ts";

/**
 * The only difference between a cluster and the local runtime: in-cluster names, container
 * paths and listen ports become loopback addresses and run-directory paths. Pure functions.
 */
export interface RewriteContext {
  services: readonly LocalService[];
  /** Container mount path -> local directory (or host path for hostPath volumes). */
  mounts: readonly { containerPath: string; localPath: string }[];
  /** This component's own container ports -> local ports. */
  ownPorts: ReadonlyMap<number, number>;
  /** The address the component listens on (default 127.0.0.1; its namespace's veth address when it runs in one). */
  listenHost?: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local` followed by `:port` -> `127.0.0.1:localPort`. */
export type RewriteHit = (from: string, to: string, service: LocalService) => void;

export function rewriteServiceAddresses(text: string, services: readonly LocalService[], onHit?: RewriteHit): string {
  let out = text;
  for (const service of services) {
    for (const port of service.ports) {
      const host = `${escapeRegExp(service.name)}(?:\\.${escapeRegExp(service.namespace)}(?:\\.svc(?:\\.cluster\\.local)?)?)?`;
      const pattern = new RegExp(`(?<![\\w.-])${host}:${port.port}(?!\\d)(/[\\w./-]*)?`, "g");
      const address = `${port.local.host}:${port.local.port}`;
      out = out.replace(pattern, (from, urlPath: string | undefined) => {
        const rewrittenPath = urlPath === undefined ? "" : rewritePath(urlPath, service.pathRewrites);
        const to = `${address}${rewrittenPath}`;
        onHit?.(from, to, service);
        return to;
      });
    }
  }
  return out;
}

function rewritePath(urlPath: string, rewrites: Readonly<Record<string, string>> | undefined): string {
  for (const [from, to] of Object.entries(rewrites ?? {})) if (urlPath === from || urlPath.startsWith(`${from}/`)) return `${to}${urlPath.slice(from.length)}`;
  return urlPath;
}

/** Container paths at the start of a value (`/etc/prometheus/...`) -> local paths; URL paths are left alone. */
export function rewriteMountPaths(text: string, mounts: RewriteContext["mounts"]): string {
  if (mounts.length === 0) return text;
  // One pass, longest container path first: a path just written (a run dir under /tmp) is never
  // rewritten again by a shorter mount (Mimir's scratch volume on /tmp).
  const sorted = [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length);
  const localOf = new Map(sorted.map((m) => [m.containerPath, m.localPath]));
  const pattern = new RegExp(`(^|[\\s"'=\\[,(])(${sorted.map((m) => escapeRegExp(m.containerPath)).join("|")})(?=$|[/\\s"',\\]\\)*])`, "gm");
  return text.replace(pattern, (_m, lead: string, containerPath: string) => `${lead}${localOf.get(containerPath)}`);
}

/** `0.0.0.0:9090`, `:9090`, `[::]:9090`, `localhost:9090` for the component's own ports -> `127.0.0.1:local`. */
export function rewriteListenAddresses(text: string, ownPorts: RewriteContext["ownPorts"], listenHost = "127.0.0.1"): string {
  let out = text;
  for (const [containerPort, localPort] of ownPorts) {
    // `@` too: Kafka's `1@localhost:9093` (controller.quorum.voters) names its own controller port.
    const pattern = new RegExp(`(^|[\\s"'=\\[,/@])(?:0\\.0\\.0\\.0|\\[::\\]|localhost|127\\.0\\.0\\.1)?:${containerPort}(?!\\d)`, "gm");
    out = out.replace(pattern, (_m, lead: string) => `${lead}${listenHost}:${localPort}`);
    // YAML settings such as `http_listen_port: 3100` / `grpc_listen_port: 9095`.
    out = out.replace(new RegExp(`^(\\s*[\\w.-]*port\\s*:\\s*)${containerPort}\\s*$`, "gm"), `$1${localPort}`);
  }
  return out;
}

/** One command-line argument: `--flag=value`, `-flag=value` or a bare value. */
export function rewriteArg(arg: string, context: RewriteContext, onHit?: RewriteHit): string {
  const flag = /^(--?[\w.-]+)=(.*)$/s.exec(arg);
  if (!flag) return rewriteMountPaths(arg, context.mounts);
  const [, name, value] = flag as unknown as [string, string, string];
  const portValue = Number(value);
  if (/port/i.test(name) && /^\d+$/.test(value) && context.ownPorts.has(portValue)) return `${name}=${context.ownPorts.get(portValue)}`;
  return `${name}=${rewriteText(value, context, onHit)}`;
}

/** An environment variable: `GF_SERVER_HTTP_PORT=3000` style port settings, then the text rewrites. */
export function rewriteEnvValue(name: string, value: string, context: RewriteContext, onHit?: RewriteHit): string {
  const port = Number(value);
  if (/PORT/i.test(name) && /^\d+$/.test(value) && context.ownPorts.has(port)) return String(context.ownPorts.get(port));
  return rewriteText(value, context, onHit);
}

export function rewriteText(text: string, context: RewriteContext, onHit?: RewriteHit): string {
  return rewriteServiceAddresses(
    rewriteListenAddresses(rewriteMountPaths(text, context.mounts), context.ownPorts, context.listenHost),
    context.services,
    onHit,
  );
}
