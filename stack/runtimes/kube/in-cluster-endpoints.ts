import type { ComponentSpec } from "../../manifest/component-spec.ts";
import type { Endpoint, StackEndpoints } from "../../started-stack.ts";

/**
 * Each component's Service ports by in-cluster DNS name (`<service>.<namespace>.svc.cluster.local`):
 * what pods of the run (k6 runners) reach. The component's own-named Service wins a port name.
 */
export function inClusterEndpoints(specs: readonly ComponentSpec[], namespace: string): StackEndpoints {
  const endpoints: Record<string, Record<string, Endpoint>> = {};
  for (const spec of specs) {
    const services = [...spec.services].sort((a, b) => Number(b.name === spec.name) - Number(a.name === spec.name));
    for (const service of services) {
      for (const port of service.ports) {
        const ports = (endpoints[spec.name] ??= {});
        if (ports[port.name] !== undefined) continue;
        const host = `${service.name}.${namespace}.svc.cluster.local`;
        ports[port.name] = { host, port: port.port, url: `http://${host}:${port.port}` };
      }
    }
  }
  return endpoints;
}
