import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments, type Document } from "yaml";
import { z } from "zod";
import { InputError, describeSeen } from "../../common/errors.ts";
import { checkEmbeddedConfigs } from "./embedded-configs.ts";
import { CLUSTER_SCOPED, KNOWN_KINDS, otherSchemas, workloadSchemas } from "./k8s-schemas.ts";
import { zodIssueToInputError } from "./zod-issue.ts";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface SourcedObject {
  object: K8sObject;
  /** File path relative to the current directory when possible, as shown in errors. */
  file: string;
  /** 1-based document index within the file. */
  document: number;
}

export interface ImagePin {
  name: string;
  newName?: string;
  newTag: string;
}

export interface ManifestSet {
  dir: string;
  kustomizationFile: string;
  namespace: string;
  objects: SourcedObject[];
  images: ImagePin[];
}

const API_VERSIONS: Record<string, string> = {
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  Namespace: "v1",
  ConfigMap: "v1",
  Secret: "v1",
  Service: "v1",
  ServiceAccount: "v1",
  PersistentVolumeClaim: "v1",
  ClusterRole: "rbac.authorization.k8s.io/v1",
  ClusterRoleBinding: "rbac.authorization.k8s.io/v1",
  Role: "rbac.authorization.k8s.io/v1",
  RoleBinding: "rbac.authorization.k8s.io/v1",
  NetworkPolicy: "networking.k8s.io/v1",
};

const kustomizationSchema = z.object({
  apiVersion: z.literal("kustomize.config.k8s.io/v1beta1", "kustomize.config.k8s.io/v1beta1"),
  kind: z.literal("Kustomization", "Kustomization"),
  namespace: z.string().min(1, "a namespace name"),
  resources: z.array(z.string().regex(/^[^/].*\.ya?ml$/, "a relative path to a .yaml file"), "a list of manifest files").min(1, "at least one manifest file"),
  images: z.array(
    z
      .object({
        name: z.string().min(1, "an image name"),
        newName: z.string().optional(),
        newTag: z.string().regex(/^(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'an exact version tag (not "latest")'),
      })
      .strict(),
    "a list of {name, newTag} image pins",
  ),
});

export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** Loads `<dir>/kustomization.yaml` and every resource it lists, validating each object's shape. */
export async function loadManifests(dir: string): Promise<ManifestSet> {
  const { unknownFields } = await import("./unknown-fields.ts");
  const kustomizationFile = path.join(dir, "kustomization.yaml");
  const shownKustomization = displayPath(kustomizationFile);
  const kustomizationText = await readFile(kustomizationFile, "utf8").catch((error: unknown) => {
    throw new InputError(
      { file: shownKustomization },
      "a kustomization.yaml listing the stack's manifests",
      `no readable file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  });
  const [kustomizationDoc] = parseYamlDocuments(kustomizationText, shownKustomization).map((d) => d.value);
  const parsed = kustomizationSchema.safeParse(kustomizationDoc);
  if (!parsed.success) throw zodIssueToInputError(parsed.error.issues[0]!, kustomizationDoc, { file: shownKustomization });
  const kustomization = parsed.data;

  const objects: SourcedObject[] = [];
  for (const resource of kustomization.resources) {
    const file = path.join(dir, resource);
    const shown = displayPath(file);
    const text = await readFile(file, "utf8").catch((error: unknown) => {
      throw new InputError(
        { file: shownKustomization, field: `resources[${kustomization.resources.indexOf(resource)}]` },
        "a manifest file that exists",
        `${JSON.stringify(resource)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        { cause: error },
      );
    });
    const before = objects.length;
    parseYamlDocuments(text, shown).forEach(({ value, doc }, index) => {
      if (value === null || value === undefined) return;
      const object = validateObject(value, shown, index + 1);
      const unknown = unknownFields(object as unknown as Record<string, unknown>, object.apiVersion, object.kind)[0];
      if (unknown) {
        const at = {
          file: shown,
          document: index + 1,
          object: `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`,
          field: unknown.path,
        };
        throw new InputError(
          at,
          `a field Kubernetes knows (${unknown.type} has ${unknown.known.join(", ")}); kubectl apply --validate=strict refuses others`,
          JSON.stringify(unknown.path.split(".").at(-1)),
        );
      }
      checkEmbeddedConfigs({ doc, object, text, file: shown, document: index + 1 });
      objects.push({ object, file: shown, document: index + 1 });
    });
    // An emptied manifest would leave its components out without a word (their checks merely unavailable).
    if (objects.length === before)
      throw new InputError({ file: shown }, "at least one Kubernetes object (the kustomization lists this file as a resource)", "an empty manifest");
  }
  return { dir, kustomizationFile, namespace: kustomization.namespace, objects, images: kustomization.images };
}

function parseYamlDocuments(text: string, file: string): { value: unknown; doc: Document }[] {
  return parseAllDocuments(text).map((doc, index) => {
    const error = doc.errors[0];
    if (error) {
      const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : "";
      throw new InputError(
        { file, document: index + 1 },
        "valid YAML",
        `${error.code}${where}: ${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:$/, "")}`,
      );
    }
    return { value: doc.toJS(), doc };
  });
}

function validateObject(doc: unknown, file: string, document: number): K8sObject {
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new InputError({ file, document }, "a Kubernetes object (a mapping with apiVersion, kind, metadata)", describeSeen(doc));
  }
  const raw = doc as Record<string, unknown>;
  const kind = raw.kind;
  if (typeof kind !== "string" || !KNOWN_KINDS.includes(kind)) {
    throw new InputError({ file, document, field: "kind" }, `one of ${KNOWN_KINDS.join(", ")}`, describeSeen(kind));
  }
  const name = (raw.metadata as { name?: unknown } | undefined)?.name;
  const namespace = (raw.metadata as { namespace?: unknown } | undefined)?.namespace;
  const object = `${kind} ${typeof namespace === "string" ? `${namespace}/` : ""}${typeof name === "string" ? name : "?"}`;
  const at = { file, document, object };
  if (raw.apiVersion !== API_VERSIONS[kind]) {
    throw new InputError({ ...at, field: "apiVersion" }, JSON.stringify(API_VERSIONS[kind]), describeSeen(raw.apiVersion));
  }
  const schema = z
    .object({ metadata: z.lazy(() => metadataShape) })
    .and(kind in workloadSchemas ? workloadSchemas[kind as keyof typeof workloadSchemas] : otherSchemas[kind as keyof typeof otherSchemas]);
  const result = schema.safeParse(raw);
  if (!result.success) throw zodIssueToInputError(result.error.issues[0]!, raw, at);
  if (CLUSTER_SCOPED.has(kind) && typeof namespace === "string" && kind !== "Namespace") {
    throw new InputError({ ...at, field: "metadata.namespace" }, "no namespace on a cluster-scoped object", describeSeen(namespace));
  }
  return raw as unknown as K8sObject;
}

const metadataShape = z.object(
  {
    name: z.string("an object name").regex(/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/, "an object name (lower-case letters, digits, '-', '.')"),
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a namespace name")
      .optional(),
    labels: z.record(z.string(), z.string("a string label value (quote numbers and booleans)")).optional(),
    annotations: z.record(z.string(), z.string("a string annotation value (quote numbers and booleans)")).optional(),
  },
  "metadata with a name",
);
