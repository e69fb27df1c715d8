import { HarnessError } from "../../../common/errors.ts";
import type { ComponentSpec } from "../../manifest/component-spec.ts";
import type { ExtraService, RuntimeOverride } from "../../started-stack.ts";
import type { RenderedObject } from "./render.ts";

/**
 * The harness's instruments (alert sinks, the scraped canary target) live on the machine that runs
 * obsconf and listen on loopback. A pod cannot reach the runner's loopback; it reaches the runner
 * at `harnessHost`: for k3s the container's gateway on the engine's network (the host as the
 * container sees it), for a cluster an address the user names. Only loopback addresses an
 * override *introduced* are rewritten; the manifests' own text is never touched here.
 */
export interface InstrumentContext {
  /** An IP address of the runner that pods can reach; undefined when there is none (port-forward only). */
  harnessHost?: string;
  /** Why there is no harnessHost, for the rewrite line. */
  noHostReason?: string;
}

const LOOPBACK_HOST_PORT = /\b(?:127\.0\.0\.1|localhost):(\d{1,5})\b/g;

/** `127.0.0.1:<port>` / `localhost:<port>` that `after` has and `before` did not, pointed at `harnessHost`. */
export function pointNewLoopbackAt(before: string, after: string, context: InstrumentContext, note: (from: string, to: string) => void): string {
  return after.replace(LOOPBACK_HOST_PORT, (match: string, port: string) => {
    if (before.includes(match)) return match;
    if (context.harnessHost === undefined) {
      note(match, `unreachable from pods (${context.noHostReason ?? "no harness address"})`);
      return match;
    }
    const to = `${context.harnessHost}:${port}`;
    note(match, to);
    return to;
  });
}

/**
 * Applies the runtime overrides to the rendered objects (never to the files on disk): `file`
 * rewrites the ConfigMap/Secret key mounted at that path, `args` the component's container args.
 * Returns one line per change, for `rewrites()`. A ConfigMap mounted by several components changes
 * for all of them; the line says so.
 */
export function applyOverrides(
  rendered: readonly RenderedObject[],
  specs: readonly ComponentSpec[],
  overrides: readonly RuntimeOverride[],
  context: InstrumentContext,
): string[] {
  const lines: string[] = [];
  for (const override of overrides) {
    const spec = specs.find((s) => s.name === override.component);
    if (!spec)
      throw new HarnessError(`runtime override for ${override.component}: no such component in the manifests (${specs.map((s) => s.name).join(", ")})`);
    lines.push(`${spec.name}: override: ${override.describe}`);
    const note = (where: string) => (from: string, to: string) => lines.push(`${spec.name}: ${where}: ${from} -> ${to}`);
    if (override.file) {
      const { path, transform } = override.file;
      const mount = spec.container.mounts.find((m) => m.kind === "config" && m.files.some((f) => f.path === path));
      const file = mount?.kind === "config" ? mount.files.find((f) => f.path === path) : undefined;
      if (mount?.kind !== "config" || !file)
        throw new HarnessError(`runtime override for ${spec.name}: no config file mounted at ${path} (mounted: ${configPaths(spec).join(", ") || "none"})`);
      const source = rendered.find((o) => o.object.kind === mount.from.kind && o.object.metadata.name === mount.from.name);
      const data = source?.object as { data?: Record<string, string>; stringData?: Record<string, string> } | undefined;
      const field = mount.from.kind === "Secret" && data?.stringData?.[file.key] !== undefined ? "stringData" : "data";
      const before = data?.[field]?.[file.key];
      if (before === undefined)
        throw new HarnessError(
          `runtime override for ${spec.name}: ${mount.from.kind} ${mount.from.name} has no key ${file.key} for ${path} in the rendered manifests`,
        );
      data![field]![file.key] = pointNewLoopbackAt(before, transform(before), context, note(path));
      const sharers = specs.filter(
        (s) =>
          s.name !== spec.name && s.container.mounts.some((m) => m.kind === "config" && m.from.kind === mount.from.kind && m.from.name === mount.from.name),
      );
      if (sharers.length > 0)
        lines.push(
          `${spec.name}: ${mount.from.kind} ${mount.from.name} is also mounted by ${sharers.map((s) => s.name).join(", ")}: they see the override too`,
        );
    }
    if (override.args) {
      const container = workloadContainer(rendered, spec);
      const before = container.args ?? [];
      const after = override.args(before);
      container.args = after.map((arg) => pointNewLoopbackAt(before.join(" "), arg, context, note("args")));
    }
  }
  return lines;
}

/**
 * Each extra Service as a Service without a selector plus the Endpoints it would otherwise get,
 * pointing at the harness (`kubernetes_sd` with `role: endpoints` discovers it like any other).
 * `namespaceOf` maps the service's namespace (k3s: unchanged; cluster: the run namespace, or
 * undefined to leave it out). Loopback hosts become `harnessHost`; without one nothing is rendered.
 */
export function renderExtraServices(
  extras: readonly ExtraService[],
  context: InstrumentContext,
  namespaceOf: (namespace: string) => string | undefined,
  labels: Readonly<Record<string, string>>,
): { objects: RenderedObject[]; lines: string[] } {
  const objects: RenderedObject[] = [];
  const lines: string[] = [];
  const source = { file: "harness instruments (RuntimeOverride/ExtraService)", document: 0 };
  for (const extra of extras) {
    const namespace = namespaceOf(extra.namespace);
    if (namespace === undefined || context.harnessHost === undefined) {
      lines.push(
        `harness: Service ${extra.namespace}/${extra.name} not created: ${namespace === undefined ? `namespace ${extra.namespace} is outside the run's namespace` : `unreachable from pods (${context.noHostReason ?? "no harness address"})`}`,
      );
      continue;
    }
    const metadata = { name: extra.name, namespace, labels: { ...extra.labels, ...labels }, ...(extra.annotations ? { annotations: extra.annotations } : {}) };
    objects.push({
      object: {
        apiVersion: "v1",
        kind: "Service",
        metadata,
        spec: { ports: extra.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" })) },
      },
      source,
    });
    objects.push({
      object: {
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name: extra.name, namespace, labels: { ...extra.labels, ...labels } },
        subsets: [{ addresses: [{ ip: context.harnessHost }], ports: extra.ports.map((p) => ({ name: p.name, port: p.port, protocol: "TCP" })) }],
      },
      source,
    });
    lines.push(
      `harness: Service ${namespace}/${extra.name} -> ${extra.ports.map((p) => `${p.name} ${p.host}:${p.port} as ${context.harnessHost}:${p.port}`).join(", ")} (the instrument must listen on an address pods reach, not loopback only)`,
    );
  }
  return { objects, lines };
}

function workloadContainer(rendered: readonly RenderedObject[], spec: ComponentSpec): { name: string; args?: string[] } {
  const workload = rendered.find((o) => o.object.kind === spec.workload.kind && o.object.metadata.name === spec.workload.name);
  const containers = (workload?.object.spec as { template?: { spec?: { containers?: { name: string; args?: string[] }[] } } } | undefined)?.template?.spec
    ?.containers;
  const container = containers?.find((c) => c.name === spec.container.name);
  if (!container)
    throw new HarnessError(
      `runtime override for ${spec.name}: no container ${spec.container.name} in the rendered ${spec.workload.kind} ${spec.workload.name}`,
    );
  return container;
}

function configPaths(spec: ComponentSpec): string[] {
  return spec.container.mounts.flatMap((m) => (m.kind === "config" ? m.files.map((f) => f.path) : []));
}
