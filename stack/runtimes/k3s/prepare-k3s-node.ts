import type { RenderedObject } from "../kube/render.ts";

/** A command run in the k3s container (testcontainers' `exec`). */
export type NodeExec = (command: string[]) => Promise<{ exitCode: number; output: string }>;

/**
 * node-exporter mounts the host's `/` with `mountPropagation: HostToContainer`, and containerd
 * refuses that unless the source is a shared or slave mount ("path / is mounted on / but it is not a
 * shared or slave mount"). In a Docker container `/` is a private mount, so k3s-in-Docker (k3d,
 * testcontainers) needs `mount --make-rshared /` in the node container before such a pod starts.
 */
export async function makeRootShared(exec: NodeExec): Promise<{ shared: true } | { shared: false; reason: string }> {
  try {
    const result = await exec(["mount", "--make-rshared", "/"]);
    return result.exitCode === 0
      ? { shared: true }
      : { shared: false, reason: `mount --make-rshared / exited ${result.exitCode}: ${result.output.trim().slice(0, 200)}` };
  } catch (error) {
    return { shared: false, reason: `mount --make-rshared / could not run: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The fallback when `/` cannot be made shared: render volume mounts without HostToContainer propagation (mounts made later under `/` are then not seen). */
export function dropHostToContainerPropagation(rendered: readonly RenderedObject[]): string[] {
  const lines: string[] = [];
  for (const { object } of rendered) {
    const pod = (
      object.spec as { template?: { spec?: { containers?: { name: string; volumeMounts?: { name: string; mountPropagation?: string }[] }[] } } } | undefined
    )?.template?.spec;
    for (const container of pod?.containers ?? []) {
      for (const mount of container.volumeMounts ?? []) {
        if (mount.mountPropagation !== "HostToContainer") continue;
        delete mount.mountPropagation;
        lines.push(
          `k3s: ${object.kind} ${object.metadata.name} container ${container.name}: volume ${mount.name} mounted without HostToContainer propagation (the node's / is not a shared mount)`,
        );
      }
    }
  }
  return lines;
}

/** The address `/etc/hosts` gives `name` (Docker writes `host.docker.internal` there for `host-gateway`). */
export function hostsEntry(etcHosts: string, name: string): string | undefined {
  for (const line of etcHosts.split("\n")) {
    const [address, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (address && names.includes(name)) return address;
  }
  return undefined;
}

export interface Reachability {
  host: string;
  port: number;
  reachable: boolean | "unchecked";
  detail: string;
}

/**
 * From the node container, whether each harness port answers a TCP connection (busybox `nc -z`,
 * else `wget`): a firewall (ufw drops docker0 -> host on Linux) or a VM engine's network shows up
 * here, after start, instead of as alert checks that time out. Never throws.
 */
export async function checkHarnessReachable(exec: NodeExec, host: string, ports: readonly number[], timeoutSeconds = 3): Promise<Reachability[]> {
  const results: Reachability[] = [];
  for (const port of ports) {
    const nc = await exec(["nc", "-z", "-w", String(timeoutSeconds), host, String(port)]).catch((error: unknown) => ({ exitCode: 127, output: String(error) }));
    if (nc.exitCode === 0) {
      results.push({ host, port, reachable: true, detail: "nc -z connected" });
      continue;
    }
    const wget = await exec(["wget", "-q", "-T", String(timeoutSeconds), "-O", "/dev/null", `http://${host}:${port}/`]).catch((error: unknown) => ({
      exitCode: 127,
      output: String(error),
    }));
    if (wget.exitCode === 0 || /server returned error|bad response|HTTP\/1/i.test(wget.output)) {
      results.push({ host, port, reachable: true, detail: "wget got an answer" });
    } else if (isMissingTool(nc) && isMissingTool(wget)) {
      results.push({ host, port, reachable: "unchecked", detail: "neither nc nor wget in the node image" });
    } else {
      results.push({ host, port, reachable: false, detail: (isMissingTool(nc) ? wget.output : nc.output).trim().split("\n")[0] || `exit ${nc.exitCode}` });
    }
  }
  return results;
}

function isMissingTool(result: { exitCode: number; output: string }): boolean {
  return result.exitCode === 126 || result.exitCode === 127 || /not found|no such file|executable file/i.test(result.output);
}

/** One rewrite line per port, with what to do when a port cannot be reached. */
export function describeReachability(results: readonly Reachability[]): string[] {
  return results.map((r) =>
    r.reachable === true
      ? `k3s: harness ${r.host}:${r.port} reachable from the node (${r.detail})`
      : r.reachable === "unchecked"
        ? `k3s: harness ${r.host}:${r.port} not checked (${r.detail})`
        : `k3s: harness ${r.host}:${r.port} NOT reachable from the node (${r.detail}): alert and pull-canary checks cannot pass; on Linux allow the engine's bridge to reach this machine (e.g. ufw allow in on docker0), and the instruments must listen on 0.0.0.0`,
  );
}
