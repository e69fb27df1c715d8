import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { KubeConfig } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import {
  discoveryDocument,
  findType,
  matchesFieldSelector,
  matchesLabelSelector,
  ObjectStore,
  RESOURCE_TYPES,
  type DoubleObject,
  type ResourceType,
} from "./kube-api-double-store.ts";
import { recordedDiscovery } from "./kube-api-fixtures.ts";
import { kubeConfigFor } from "./loopback-kube-config.ts";
import { isWorkloadKind, scriptedStatus, stuckPodEvents, stuckPodObject, type RolloutScript } from "./kube-api-double-workloads.ts";

export type { DoubleObject } from "./kube-api-double-store.ts";
export { kubeConfigFor } from "./loopback-kube-config.ts";
export type { RolloutScript, ScriptedEvent, StuckPod } from "./kube-api-double-workloads.ts";

/**
 * Test support (a real module, not a mock of the client): a loopback HTTP server that speaks enough
 * of the Kubernetes REST API for @kubernetes/client-node — discovery, server-side apply, get, list
 * with label/field selectors, delete, pod logs — answers rollout state from per-test scripts and
 * records every request. Discovery and Status bodies are those recorded from kube-apiserver
 * (kube-api-fixtures.ts). A deleted Namespace is Terminating, then loses its content and goes (or
 * stays Terminating while held). It does not model field ownership or admission.
 */
export interface RecordedApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** Parsed JSON/YAML body, or undefined when there was none. */
  body: unknown;
}

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface ApiStatusReply {
  code: number;
  reason: string;
  message: string;
}

export interface StartedKubeApiDouble extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly requests: readonly RecordedApiRequest[];
  /** A KubeConfig whose only cluster is this double (plain HTTP, no credentials). */
  kubeConfig(): KubeConfig;
  /** Store objects as they are, as if something else had created them. */
  seed(...objects: DoubleObject[]): void;
  scriptRollout(workload: ObjectRef, script: RolloutScript): void;
  /** Keep this namespace Terminating once deleted (as a finalizer would) until `releaseNamespace`. */
  holdNamespace(name: string): void;
  releaseNamespace(name: string): void;
  /** Answer the apply of this object with a failure Status. */
  rejectApply(object: ObjectRef, reply: ApiStatusReply): void;
  get(object: ObjectRef): DoubleObject | undefined;
  /** Every stored object as `Kind namespace/name`, sorted. */
  objects(): string[];
  clearRequests(): void;
  stop(): Promise<void>;
}

interface Reply {
  code: number;
  body: unknown;
  contentType?: string;
}

const refKey = (ref: ObjectRef) => `${ref.kind}|${ref.namespace ?? ""}|${ref.name}`;
const typeOfKind = (kind: string) => RESOURCE_TYPES.find((t) => t.kind === kind);
/**
 * A failure Status as kube-apiserver writes it (fixtures/kube-apiserver-*.json): `details` names the
 * object (its resource, or its Kind for 422 Invalid) and, when given, the causes.
 */
const status = (
  code: number,
  reason: string,
  message: string,
  details?: { name: string; type: ResourceType; causes?: { reason: string; message: string; field: string }[] },
): Reply => ({
  code,
  body: {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details
      ? {
          details: {
            name: details.name,
            ...(details.type.groupVersion.includes("/") ? { group: details.type.groupVersion.split("/")[0] } : {}),
            kind: code === 422 ? details.type.kind : details.type.plural,
            ...(details.causes ? { causes: details.causes } : {}),
          },
        }
      : {}),
    code,
  },
});
const qualified = (type: ResourceType) => (type.groupVersion.includes("/") ? `${type.plural}.${type.groupVersion.split("/")[0]}` : type.plural);

/**
 * Discovery as recorded from kube-apiserver (fixtures), with the groups only the double serves
 * (the k6-operator's k6.io) added to `/apis`; paths not recorded are generated from RESOURCE_TYPES.
 */
function replayedDiscovery(apiPath: string): unknown {
  const own = discoveryDocument(apiPath);
  const recorded = recordedDiscovery(apiPath) as { groups?: { name: string }[] } | undefined;
  if (recorded === undefined) return own;
  if (apiPath !== "/apis") return recorded;
  const extra = ((own as { groups: { name: string }[] }).groups ?? []).filter((g) => !recorded.groups?.some((r) => r.name === g.name));
  return { ...recorded, groups: [...(recorded.groups ?? []), ...extra] };
}

export async function startKubeApiDouble(): Promise<StartedKubeApiDouble> {
  const store = new ObjectStore();
  const requests: RecordedApiRequest[] = [];
  const scripts = new Map<string, RolloutScript>();
  const rejections = new Map<string, ApiStatusReply>();
  const polls = new Map<string, number>();
  const held = new Set<string>();
  const namespaceType = RESOURCE_TYPES.find((t) => t.kind === "Namespace")!;
  const terminating = (namespace: string | undefined) =>
    namespace !== undefined && store.get(namespaceType, undefined, namespace)?.metadata.deletionTimestamp !== undefined;
  /** The namespace controller: a Terminating namespace loses its content, then itself, unless held. */
  const finalizeNamespaces = () => {
    for (const ns of store.list(namespaceType, undefined)) {
      if (ns.metadata.deletionTimestamp === undefined || held.has(ns.metadata.name)) continue;
      for (const type of RESOURCE_TYPES.filter((t) => t.namespaced))
        for (const o of store.list(type, ns.metadata.name)) store.delete(type, ns.metadata.name, o.metadata.name);
      store.delete(namespaceType, undefined, ns.metadata.name);
    }
  };
  let resourceVersion = 0;

  /** A workload with the status its script gives it; every read, by get or list, is one poll. */
  const withStatus = (object: DoubleObject): DoubleObject => {
    if (!isWorkloadKind(object.kind)) return object;
    const key = refKey({ kind: object.kind!, ...object.metadata });
    polls.set(key, (polls.get(key) ?? 0) + 1);
    return { ...object, status: scriptedStatus(object, scripts.get(key) ?? { readyAfterPolls: 1 }, polls.get(key)!) };
  };
  /** Pods and Events the scripts stand for, for workloads that exist. */
  const scripted = (kind: "Pod" | "Event", namespace: string | undefined): DoubleObject[] =>
    [...scripts.entries()].flatMap(([key, script]) => {
      const [workloadKind, ns, name] = key.split("|") as [string, string, string];
      const workload = store.get(typeOfKind(workloadKind)!, ns, name);
      if (!("stuck" in script) || !workload || (namespace !== undefined && namespace !== ns)) return [];
      return kind === "Pod" ? [stuckPodObject(workload, script.stuck)] : stuckPodEvents(ns, script.stuck);
    });
  const lookup = (type: ResourceType, namespace: string | undefined, name: string) =>
    store.get(type, namespace, name) ??
    (type.kind === "Pod" || type.kind === "Event" ? scripted(type.kind, namespace).find((o) => o.metadata.name === name) : undefined);

  function apply(type: ResourceType, namespace: string | undefined, name: string, body: DoubleObject, query: URLSearchParams): Reply {
    if (!query.get("fieldManager")) return status(400, "BadRequest", "PATCH requests with apply content type must supply fieldManager");
    const existingObject = store.get(type, namespace, name);
    if (!existingObject && type.namespaced && terminating(namespace)) {
      return status(
        403,
        "Forbidden",
        `${qualified(type)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name,
          type,
          causes: [{ reason: "NamespaceTerminating", message: `namespace ${namespace} is being terminated`, field: "metadata.namespace" }],
        },
      );
    }
    const rejection = rejections.get(refKey({ kind: type.kind, namespace, name }));
    if (rejection) return status(rejection.code, rejection.reason, rejection.message, { name, type });
    if (body?.kind !== type.kind || body.metadata?.name !== name) return status(400, "BadRequest", "the name or kind of the object does not match the request");
    if (type.namespaced && body.metadata.namespace !== undefined && body.metadata.namespace !== namespace) {
      return status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
    }
    const existing = store.get(type, namespace, name);
    const labels = type.kind === "Namespace" ? { "kubernetes.io/metadata.name": name, ...body.metadata.labels } : body.metadata.labels;
    const generation = Number(existing?.metadata.generation ?? 0) + 1;
    const metadata = {
      ...body.metadata,
      ...(type.namespaced ? { namespace } : {}),
      labels,
      generation,
      uid: `uid-${name}`,
      resourceVersion: String(++resourceVersion),
    };
    store.put(type, { ...body, metadata });
    return { code: existing ? 200 : 201, body: store.get(type, namespace, name) };
  }

  function route(method: string, url: URL, body: unknown): Reply {
    const discovery = replayedDiscovery(url.pathname.replace(/\/$/, ""));
    if (discovery !== undefined && method === "GET") return { code: 200, body: discovery };
    const parts = url.pathname.split("/").filter(Boolean);
    const prefix = parts[0] === "api" ? 2 : 3;
    const groupVersion = parts.slice(1, prefix).join("/");
    let rest = parts.slice(prefix);
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
    const [plural = "", name, sub] = rest;
    const type = findType(groupVersion, plural);
    if (!type || (sub !== undefined && !(type.kind === "Pod" && sub === "log")))
      return status(404, "NotFound", "the server could not find the requested resource");
    const notFound = () => status(404, "NotFound", `${qualified(type)} "${name}" not found`, { name: name ?? "", type });
    if (name === undefined) {
      if (method !== "GET") return status(405, "MethodNotAllowed", `${method} is not supported on a collection here`);
      const all = [...store.list(type, namespace), ...(type.kind === "Pod" || type.kind === "Event" ? scripted(type.kind, namespace) : [])];
      const items = all
        .filter((o) => matchesLabelSelector(o.metadata.labels, url.searchParams.get("labelSelector") ?? undefined))
        .filter((o) => matchesFieldSelector(o, url.searchParams.get("fieldSelector") ?? undefined))
        .map(({ apiVersion: _a, kind: _k, ...item }) => withStatus({ kind: type.kind, ...item }))
        .map(({ kind: _k, ...item }) => item);
      return { code: 200, body: { apiVersion: type.groupVersion, kind: `${type.kind}List`, metadata: { resourceVersion: String(resourceVersion) }, items } };
    }
    if (sub === "log") {
      const pod = lookup(type, namespace, name);
      if (!pod || method !== "GET") return notFound();
      const script = [...scripts.values()].find((s) => "stuck" in s && s.stuck.pod === name);
      const stuck = script && "stuck" in script ? script.stuck : undefined;
      if (stuck?.reason === "ImagePullBackOff" || stuck?.reason === "ErrImagePull") {
        return status(400, "BadRequest", `container "${stuck.container}" in pod "${name}" is waiting to start: trying and failing to pull image`);
      }
      const lines = stuck?.logLines ?? [];
      const tail = Number(url.searchParams.get("tailLines") ?? lines.length);
      return {
        code: 200,
        contentType: "text/plain",
        body: lines
          .slice(Math.max(0, lines.length - tail))
          .map((l) => `${l}\n`)
          .join(""),
      };
    }
    switch (method) {
      case "GET": {
        const object = lookup(type, namespace, name);
        if (!object) return notFound();
        return { code: 200, body: withStatus(object) };
      }
      case "PATCH":
        return apply(type, namespace, name, body as DoubleObject, url.searchParams);
      case "DELETE": {
        const object = store.get(type, namespace, name);
        if (!object) return notFound();
        if (type.kind === "Namespace") {
          // As kube-apiserver: the first delete marks it Terminating and answers 200 with the namespace
          // (spec.finalizers [kubernetes]); a delete while Terminating answers the same again.
          const marked = {
            ...object,
            metadata: { ...object.metadata, deletionTimestamp: (object.metadata.deletionTimestamp as string | undefined) ?? "2025-01-01T00:00:00Z" },
            spec: { finalizers: ["kubernetes"] },
            status: { phase: "Terminating" },
          };
          store.put(type, marked);
          finalizeNamespaces();
          return { code: 200, body: marked };
        }
        store.delete(type, namespace, name);
        const details = { name, group: type.groupVersion.split("/").slice(0, -1).join(""), kind: type.plural, uid: object.metadata.uid };
        return { code: 200, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details } };
      }
      default:
        return status(405, "MethodNotAllowed", `${method} is not supported here`);
    }
  }

  function handle(req: IncomingMessage, raw: string): Reply {
    const url = new URL(req.url ?? "/", "http://double");
    const contentType = req.headers["content-type"];
    const body = raw === "" ? undefined : contentType?.includes("json") || contentType?.includes("yaml") ? parseYaml(raw) : raw;
    requests.push({ method: req.method ?? "", path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, body });
    if (req.method === "PATCH" && contentType !== "application/apply-patch+yaml") {
      return status(415, "UnsupportedMediaType", `the double only speaks server-side apply, not ${contentType}`);
    }
    return route(req.method ?? "", url, body);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let reply: Reply;
      try {
        reply = handle(req, Buffer.concat(chunks).toString("utf8"));
      } catch (error) {
        reply = status(500, "InternalError", error instanceof Error ? error.message : String(error));
      }
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.code, { "content-type": reply.contentType ?? "application/json" });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  return {
    origin,
    requests,
    kubeConfig: () => kubeConfigFor(origin),
    seed: (...objects) => {
      for (const o of objects) store.put(RESOURCE_TYPES.find((t) => t.kind === o.kind && t.groupVersion === o.apiVersion)!, o);
    },
    scriptRollout: (workload, script) => void scripts.set(refKey(workload), script),
    holdNamespace: (name) => void held.add(name),
    releaseNamespace: (name) => {
      held.delete(name);
      finalizeNamespaces();
    },
    rejectApply: (object, reply) => void rejections.set(refKey(object), reply),
    get: (ref) => lookup(typeOfKind(ref.kind)!, ref.namespace, ref.name),
    objects: () => store.describeAll(),
    clearRequests: () => void requests.splice(0),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
