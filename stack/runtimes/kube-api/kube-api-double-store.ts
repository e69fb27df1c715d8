/**
 * Test support for the Kubernetes API double: the resource table its discovery serves, an
 * in-memory object store, and label/field selector matching as the API server does it.
 */
export interface DoubleObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ResourceType {
  groupVersion: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const core = (plural: string, kind: string, namespaced = true): ResourceType => ({ groupVersion: "v1", plural, kind, namespaced });
const apps = (plural: string, kind: string): ResourceType => ({ groupVersion: "apps/v1", plural, kind, namespaced: true });
const rbac = (plural: string, kind: string, namespaced: boolean): ResourceType => ({
  groupVersion: "rbac.authorization.k8s.io/v1",
  plural,
  kind,
  namespaced,
});

/** The resources the double serves; anything else is a 404, as for a server without that API. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  core("namespaces", "Namespace", false),
  core("nodes", "Node", false),
  core("configmaps", "ConfigMap"),
  core("secrets", "Secret"),
  core("services", "Service"),
  core("serviceaccounts", "ServiceAccount"),
  core("persistentvolumeclaims", "PersistentVolumeClaim"),
  core("pods", "Pod"),
  core("endpoints", "Endpoints"),
  core("events", "Event"),
  apps("deployments", "Deployment"),
  apps("statefulsets", "StatefulSet"),
  apps("daemonsets", "DaemonSet"),
  rbac("roles", "Role", true),
  rbac("rolebindings", "RoleBinding", true),
  rbac("clusterroles", "ClusterRole", false),
  rbac("clusterrolebindings", "ClusterRoleBinding", false),
  { groupVersion: "networking.k8s.io/v1", plural: "networkpolicies", kind: "NetworkPolicy", namespaced: true },
  { groupVersion: "apiextensions.k8s.io/v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", namespaced: false },
  /** The k6-operator's custom resource, as on a cluster where the operator is installed. */
  { groupVersion: "k6.io/v1alpha1", plural: "testruns", kind: "TestRun", namespaced: true },
];

export function findType(groupVersion: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.groupVersion === groupVersion && t.plural === plural);
}

export function typeOfObject(object: { apiVersion?: string; kind?: string }): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.groupVersion === object.apiVersion && t.kind === object.kind);
}

/** Body for `/api`, `/apis`, `/api/v1` or `/apis/<group>/<version>`; undefined when not a discovery path. */
export function discoveryDocument(path: string): unknown {
  if (path === "/api") return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
  const groupVersions = [...new Set(RESOURCE_TYPES.map((t) => t.groupVersion))].filter((gv) => gv.includes("/"));
  if (path === "/apis") {
    const groups = groupVersions.map((gv) => {
      const [name, version] = gv.split("/") as [string, string];
      const preferred = { groupVersion: gv, version };
      return { name, versions: [preferred], preferredVersion: preferred };
    });
    return { kind: "APIGroupList", apiVersion: "v1", groups };
  }
  const groupVersion = path === "/api/v1" ? "v1" : path.startsWith("/apis/") ? path.slice("/apis/".length) : undefined;
  if (groupVersion === undefined || !RESOURCE_TYPES.some((t) => t.groupVersion === groupVersion)) return undefined;
  const resources = RESOURCE_TYPES.filter((t) => t.groupVersion === groupVersion).map((t) => ({
    name: t.plural,
    singularName: t.kind.toLowerCase(),
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: ["create", "delete", "get", "list", "patch", "update"],
  }));
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}

/** Equality-based and existence selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated. */
export function matchesLabelSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  return selector.split(",").every((term) => {
    const t = term.trim();
    const notEqual = t.split("!=");
    if (notEqual.length === 2) return have[notEqual[0]!] !== notEqual[1];
    const equal = t.split(/==?/);
    if (equal.length === 2) return have[equal[0]!] === equal[1];
    if (t.startsWith("!")) return !(t.slice(1) in have);
    return t in have;
  });
}

/** Field selectors of the form `a.b=c` (comma-separated), read as dotted paths into the object. */
export function matchesFieldSelector(object: unknown, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [path = "", want] = term.split(/==?/);
    const seen = path.split(".").reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], object);
    return String(seen) === want;
  });
}

/** Objects by resource type, namespace and name. */
export class ObjectStore {
  private readonly objects = new Map<string, DoubleObject>();

  private static key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.groupVersion}|${type.plural}|${type.namespaced ? (namespace ?? "") : ""}|${name}`;
  }
  get(type: ResourceType, namespace: string | undefined, name: string): DoubleObject | undefined {
    return this.objects.get(ObjectStore.key(type, namespace, name));
  }
  put(type: ResourceType, object: DoubleObject): void {
    this.objects.set(ObjectStore.key(type, object.metadata.namespace, object.metadata.name), object);
  }
  delete(type: ResourceType, namespace: string | undefined, name: string): boolean {
    return this.objects.delete(ObjectStore.key(type, namespace, name));
  }
  /** Objects of a type, in one namespace or (namespace undefined) in all. */
  list(type: ResourceType, namespace: string | undefined): DoubleObject[] {
    return [...this.objects.values()]
      .filter((o) => typeOfObject(o) === type && (namespace === undefined || !type.namespaced || o.metadata.namespace === namespace))
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }
  /** Every stored object as `Kind namespace/name` (or `Kind name`), sorted. */
  describeAll(): string[] {
    return [...this.objects.values()].map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`).sort();
  }
}
