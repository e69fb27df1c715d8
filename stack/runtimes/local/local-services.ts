import type { LocalService } from "../../components/component-def.ts";
import type { ComponentSpec } from "../../manifest/component-spec.ts";
import type { ExtraService } from "../../started-stack.ts";

/** The pod name a single local replica stands for (StatefulSets have ordinal names). */
export function localPodName(spec: ComponentSpec): string {
  return spec.workload.kind === "StatefulSet" ? `${spec.workload.name}-0` : `${spec.workload.name}-local`;
}

/** A component's Services with loopback addresses; ports the component does not serve locally are left out. */
/** `localPort` gives each served container port its loopback port, or a full address (a fault proxy's, a namespace's). */
export function localServicesOf(
  spec: ComponentSpec,
  localPort: (containerPort: number) => number | { host: string; port: number } | undefined,
): LocalService[] {
  return spec.services.map((s) => ({
    name: s.name,
    namespace: s.namespace,
    labels: s.labels,
    annotations: s.annotations,
    component: spec.name,
    podName: localPodName(spec),
    podLabels: spec.podLabels,
    containerName: spec.container.name,
    ports: s.ports.flatMap((p) => {
      const port = localPort(p.targetPort);
      const local = typeof port === "number" ? { host: "127.0.0.1", port } : port;
      return local === undefined
        ? []
        : [{ name: p.name, port: p.port, containerPort: p.targetPort, ...(p.targetPortName ? { targetPortName: p.targetPortName } : {}), local }];
    }),
  }));
}

export function extraServiceToLocal(extra: ExtraService): LocalService {
  return {
    name: extra.name,
    namespace: extra.namespace,
    labels: extra.labels ?? {},
    annotations: extra.annotations ?? {},
    component: "harness",
    podName: `${extra.name}-harness`,
    podLabels: extra.labels ?? {},
    containerName: extra.name,
    ports: extra.ports.map((p) => ({ name: p.name, port: p.port, containerPort: p.port, local: { host: p.host, port: p.port } })),
  };
}
