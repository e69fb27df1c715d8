import * as k8s from "@kubernetes/client-node";

interface Attribute {
  name: string;
  baseName: string;
  type: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

/** An object field Kubernetes does not know, as `kubectl apply --validate=strict` would refuse it. */
export interface UnknownField {
  /** Dotted path of the field, e.g. `spec.template.spec.containers[0].imagePullPolcy`. */
  path: string;
  /** The API type that has no such field, e.g. `V1Container`. */
  type: string;
  /** The fields that type has, for the error text. */
  known: readonly string[];
}

const models = k8s as unknown as Record<string, Model | undefined>;

/** The generated model of an apiVersion and kind (`apps/v1` Deployment -> V1Deployment), if the client knows it. */
export function modelName(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split("/").at(-1) ?? "";
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return models[name]?.getAttributeTypeMap ? name : undefined;
}

/**
 * Fields of `object` that its Kubernetes type (and every nested type) does not have, walked through
 * the OpenAPI-generated models of @kubernetes/client-node: a typo such as `imagePullPolcy` or a field
 * at the wrong level, which the API server's strict field validation refuses and a lax apply drops.
 */
export function unknownFields(object: Readonly<Record<string, unknown>>, apiVersion: string, kind: string): UnknownField[] {
  const type = modelName(apiVersion, kind);
  return type === undefined ? [] : walk(object, type, "");
}

function walk(value: unknown, type: string, path: string): UnknownField[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((item, i) => walk(item, array[1]!, `${path}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map)
    return typeof value === "object"
      ? Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => walk(item, map[1]!, `${path}[${JSON.stringify(key)}]`))
      : [];
  const model = models[type];
  if (!model?.getAttributeTypeMap || typeof value !== "object" || Array.isArray(value)) return [];
  const attributes = model.getAttributeTypeMap();
  const byName = new Map(attributes.map((a) => [a.baseName, a]));
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => {
    const field = path ? `${path}.${key}` : key;
    const attribute = byName.get(key);
    if (!attribute) return [{ path: field, type, known: attributes.map((a) => a.baseName) }];
    return walk(item, attribute.type, field);
  });
}
