import { InputError, describeSeen } from "../../common/errors.ts";
import type { Container, Probe, Volume, WorkloadKind } from "./k8s-schemas.ts";
import { objectData } from "./generated-secrets.ts";
import { displayPath, type ManifestSet, type SourcedObject } from "./load-manifests.ts";

/** What a runtime needs to know about one component, read from the manifests and nothing else. */
export interface ComponentSpec {
  name: string;
  workload: { kind: WorkloadKind; name: string; namespace: string; replicas: number };
  source: { file: string; document: number };
  image: { name: string; tag: string; ref: string; pinnedIn: string };
  container: ContainerSpec;
  services: ServiceSpec[];
  podLabels: Record<string, string>;
}

export interface ContainerSpec {
  name: string;
  command: string[];
  args: string[];
  env: EnvSpec[];
  ports: { name: string; containerPort: number }[];
  mounts: MountSpec[];
  readiness?: ReadinessSpec;
  /** `lifecycle.postStart.exec.command`: run in the container after it starts; it counts as started once this returns. */
  postStart?: string[];
}

export type EnvSpec = { name: string; value: string } | { name: string; fieldRef: string };
export type ReadinessSpec =
  | { kind: "http"; path: string; port: number; scheme: "http" | "https" }
  | { kind: "tcp"; port: number }
  | { kind: "exec"; command: string[] };

export interface ConfigFile {
  /** Key in the ConfigMap or Secret. */
  key: string;
  /** Path inside the container: `<mountPath>/<item path or key>`. */
  path: string;
  content: string;
}

export type MountSpec =
  | { kind: "config"; volume: string; mountPath: string; from: { kind: "ConfigMap" | "Secret"; name: string }; files: ConfigFile[] }
  | { kind: "data"; volume: string; mountPath: string }
  | { kind: "host"; volume: string; mountPath: string; hostPath: string };

export interface ServiceSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ports: { name: string; port: number; targetPort: number; targetPortName?: string }[];
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
export const COMPONENT_LABEL = "app.kubernetes.io/name";

/** Extracts every component from a loaded manifest set, checking the references between objects. */
export function extractComponents(set: ManifestSet, knownComponents: readonly string[]): ComponentSpec[] {
  const byKind = (kind: string) => set.objects.filter((o) => o.object.kind === kind);
  checkDuplicates(set);
  checkNamespaces(set);
  const components: ComponentSpec[] = [];
  for (const workload of set.objects.filter((o) => WORKLOAD_KINDS.has(o.object.kind))) {
    components.push(extractOne(set, workload, knownComponents, byKind));
  }
  for (const service of byKind("Service")) {
    const selector = (service.object.spec as { selector: Record<string, string> }).selector;
    if (!components.some((c) => matches(selector, c.podLabels))) {
      throw new InputError(at(service, "spec.selector"), "a selector matching the pod labels of a workload in the manifests", describeSeen(selector));
    }
  }
  return components.sort((a, b) => knownComponents.indexOf(a.name) - knownComponents.indexOf(b.name));
}

function extractOne(set: ManifestSet, workload: SourcedObject, known: readonly string[], byKind: (k: string) => SourcedObject[]): ComponentSpec {
  const object = workload.object;
  const spec = object.spec as {
    replicas?: number;
    template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; volumes?: Volume[] } };
    selector: { matchLabels: Record<string, string> };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
  const name = object.metadata.labels?.[COMPONENT_LABEL];
  if (name === undefined || !known.includes(name)) {
    throw new InputError(at(workload, `metadata.labels["${COMPONENT_LABEL}"]`), `one of ${known.join(", ")}`, describeSeen(name));
  }
  if (!matches(spec.selector.matchLabels, spec.template.metadata.labels)) {
    throw new InputError(at(workload, "spec.selector.matchLabels"), "labels that the pod template carries", describeSeen(spec.selector.matchLabels));
  }
  const dataOf = (source: SourcedObject) => objectData(set, source);
  const container = spec.template.spec.containers[0]!;
  const containerField = "spec.template.spec.containers[0]";
  const image = resolveImage(set, workload, container.image, `${containerField}.image`);
  const ports = (container.ports ?? []).map((p) => ({ name: p.name, containerPort: p.containerPort }));
  const volumes = spec.template.spec.volumes ?? [];
  const claimNames = new Set((spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name));
  const mounts = (container.volumeMounts ?? []).map((mount, index): MountSpec => {
    const field = `${containerField}.volumeMounts[${index}].name`;
    const volume = volumes.find((v) => v.name === mount.name);
    if (!volume) {
      if (claimNames.has(mount.name)) return { kind: "data", volume: mount.name, mountPath: mount.mountPath };
      throw new InputError(
        at(workload, field),
        `the name of a volume in spec.template.spec.volumes or volumeClaimTemplates (${[...volumes.map((v) => v.name), ...claimNames].join(", ") || "none defined"})`,
        describeSeen(mount.name),
      );
    }
    return resolveMount(byKind, dataOf, workload, volume, mount.mountPath, mount.subPath, field);
  });
  const readiness = container.readinessProbe ? resolveProbe(container.readinessProbe, ports, workload, `${containerField}.readinessProbe`) : undefined;
  const env = (container.env ?? []).map((variable, index) => resolveEnv(byKind, dataOf, workload, variable, `${containerField}.env[${index}]`));
  const namespace = object.metadata.namespace ?? set.namespace;
  const services = byKind("Service")
    .filter((s) => matches((s.object.spec as { selector: Record<string, string> }).selector, spec.template.metadata.labels))
    .map((s) => resolveService(s, ports, set.namespace));
  return {
    name,
    workload: { kind: object.kind as WorkloadKind, name: object.metadata.name, namespace, replicas: object.kind === "DaemonSet" ? 1 : (spec.replicas ?? 1) },
    source: { file: workload.file, document: workload.document },
    image,
    container: {
      name: container.name,
      command: container.command ?? [],
      args: container.args ?? [],
      env,
      ports,
      mounts,
      ...(readiness ? { readiness } : {}),
      ...(container.lifecycle?.postStart ? { postStart: container.lifecycle.postStart.exec.command } : {}),
    },
    services,
    podLabels: spec.template.metadata.labels,
  };
}

function resolveImage(set: ManifestSet, workload: SourcedObject, image: string, field: string): ComponentSpec["image"] {
  const tagMatch = /^(.+?)(?::([A-Za-z0-9_][A-Za-z0-9_.-]*))?$/.exec(image)!;
  const name = tagMatch[1]!;
  const pin = set.images.find((i) => i.name === name);
  const tag = pin?.newTag ?? tagMatch[2];
  const kustomization = set.kustomizationFile;
  if (tag === undefined || tag === "latest") {
    throw new InputError(
      at(workload, field),
      `an image whose exact version is pinned in the images list of ${displayPath(kustomization)}`,
      `${JSON.stringify(image)} with ${tag === "latest" ? 'the tag "latest"' : "no pinned version"}`,
    );
  }
  const finalName = pin?.newName ?? name;
  return { name: finalName, tag, ref: `${finalName}:${tag}`, pinnedIn: pin ? displayPath(kustomization) : workload.file };
}

type DataOf = (source: SourcedObject) => Record<string, string>;

function resolveMount(
  byKind: (k: string) => SourcedObject[],
  objectData: DataOf,
  workload: SourcedObject,
  volume: Volume,
  mountPath: string,
  subPath: string | undefined,
  field: string,
): MountSpec {
  if (volume.configMap || volume.secret) {
    const kind = volume.configMap ? "ConfigMap" : "Secret";
    const refName = volume.configMap?.name ?? volume.secret!.secretName;
    const source = byKind(kind).find((o) => o.object.metadata.name === refName);
    if (!source)
      throw new InputError(
        at(workload, field),
        `a ${kind} named ${JSON.stringify(refName)} in the manifests (volume ${JSON.stringify(volume.name)})`,
        "no such object",
      );
    const data = objectData(source);
    const items = volume.configMap?.items ?? volume.secret?.items;
    const selected = items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const { key } of selected) {
      if (!(key in data)) throw new InputError(at(workload, field), `a key of ${kind} ${refName} (${Object.keys(data).join(", ")})`, describeSeen(key));
    }
    if (subPath !== undefined) {
      // subPath names one item's path in the volume (its key unless `items` renames it) and mounts that file alone.
      const item = selected.find((i) => i.path === subPath);
      if (!item)
        throw new InputError(
          at(workload, field.replace(/\.name$/, ".subPath")),
          `an item path of ${kind} ${refName} (${selected.map((i) => i.path).join(", ")})`,
          describeSeen(subPath),
        );
      return {
        kind: "config",
        volume: volume.name,
        mountPath,
        from: { kind, name: refName },
        files: [{ key: item.key, path: mountPath, content: data[item.key]! }],
      };
    }
    const files = selected.map(({ key, path }) => ({ key, path: `${mountPath}/${path}`, content: data[key]! }));
    return { kind: "config", volume: volume.name, mountPath, from: { kind, name: refName }, files };
  }
  if (volume.hostPath) return { kind: "host", volume: volume.name, mountPath, hostPath: volume.hostPath.path };
  return { kind: "data", volume: volume.name, mountPath };
}

function resolveProbe(probe: Probe, ports: { name: string; containerPort: number }[], workload: SourcedObject, field: string): ReadinessSpec {
  const port = (p: string | number, portField: string) => {
    if (typeof p === "number") return p;
    const found = ports.find((cp) => cp.name === p);
    if (!found)
      throw new InputError(at(workload, portField), `a container port name (${ports.map((cp) => cp.name).join(", ") || "none declared"})`, describeSeen(p));
    return found.containerPort;
  };
  if (probe.httpGet)
    return {
      kind: "http",
      path: probe.httpGet.path,
      port: port(probe.httpGet.port, `${field}.httpGet.port`),
      scheme: probe.httpGet.scheme === "HTTPS" ? "https" : "http",
    };
  if (probe.tcpSocket) return { kind: "tcp", port: port(probe.tcpSocket.port, `${field}.tcpSocket.port`) };
  return { kind: "exec", command: probe.exec!.command };
}

function resolveEnv(
  byKind: (k: string) => SourcedObject[],
  objectData: DataOf,
  workload: SourcedObject,
  variable: {
    name: string;
    value?: string | undefined;
    valueFrom?:
      | {
          secretKeyRef?: { name: string; key: string } | undefined;
          configMapKeyRef?: { name: string; key: string } | undefined;
          fieldRef?: { fieldPath: string } | undefined;
        }
      | undefined;
  },
  field: string,
): EnvSpec {
  if (variable.value !== undefined) return { name: variable.name, value: variable.value };
  const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
  if (ref) {
    const kind = variable.valueFrom?.secretKeyRef ? "Secret" : "ConfigMap";
    const source = byKind(kind).find((o) => o.object.metadata.name === ref.name);
    const data = source ? objectData(source) : undefined;
    if (!data || !(ref.key in data))
      throw new InputError(
        at(workload, `${field}.valueFrom`),
        `key ${JSON.stringify(ref.key)} of a ${kind} named ${JSON.stringify(ref.name)} in the manifests`,
        source ? `keys ${Object.keys(data ?? {}).join(", ")}` : "no such object",
      );
    return { name: variable.name, value: data[ref.key]! };
  }
  if (variable.valueFrom?.fieldRef) return { name: variable.name, fieldRef: variable.valueFrom.fieldRef.fieldPath };
  return { name: variable.name, value: "" };
}

function resolveService(service: SourcedObject, ports: { name: string; containerPort: number }[], defaultNamespace: string): ServiceSpec {
  const spec = service.object.spec as { ports: { name: string; port: number; targetPort?: string | number }[] };
  return {
    name: service.object.metadata.name,
    namespace: service.object.metadata.namespace ?? defaultNamespace,
    labels: service.object.metadata.labels ?? {},
    annotations: service.object.metadata.annotations ?? {},
    ports: spec.ports.map((p, index) => {
      const target = p.targetPort ?? p.port;
      if (typeof target === "number") return { name: p.name, port: p.port, targetPort: target };
      const found = ports.find((cp) => cp.name === target);
      if (!found)
        throw new InputError(
          at(service, `spec.ports[${index}].targetPort`),
          `a port name of the selected container (${ports.map((cp) => cp.name).join(", ") || "none declared"})`,
          describeSeen(target),
        );
      return { name: p.name, port: p.port, targetPort: found.containerPort, targetPortName: target };
    }),
  };
}

function checkDuplicates(set: ManifestSet): void {
  const seen = new Map<string, SourcedObject>();
  for (const o of set.objects) {
    const key = `${o.object.kind}/${o.object.metadata.namespace ?? set.namespace}/${o.object.metadata.name}`;
    const first = seen.get(key);
    if (first)
      throw new InputError(
        at(o, "metadata.name"),
        `a name not used by another ${o.object.kind} (first defined in ${first.file} document ${first.document})`,
        describeSeen(o.object.metadata.name),
      );
    seen.set(key, o);
  }
}

function checkNamespaces(set: ManifestSet): void {
  for (const o of set.objects) {
    const ns = o.object.metadata.namespace;
    if (ns !== undefined && o.object.kind !== "Namespace" && ns !== set.namespace) {
      throw new InputError(at(o, "metadata.namespace"), `the stack's namespace ${JSON.stringify(set.namespace)} (from kustomization.yaml)`, describeSeen(ns));
    }
  }
}

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The value of a container's `--flag=value` (or `-flag=value`), in its command or args; undefined when it has none. */
export function flagValue(spec: ComponentSpec, flag: string): string | undefined {
  const arg = [...spec.container.command, ...spec.container.args].find((a) => a.startsWith(`${flag}=`) || a.startsWith(`-${flag}=`));
  return arg?.slice(arg.indexOf("=") + 1);
}

export function at(o: SourcedObject, field: string) {
  const m = o.object.metadata;
  return { file: o.file, document: o.document, object: `${o.object.kind} ${m.namespace ? `${m.namespace}/` : ""}${m.name}`, field };
}
