import { isScalar, parseAllDocuments, type Document } from "yaml";
import { InputError } from "../../common/errors.ts";

/** Keys of a ConfigMap or Secret whose content is YAML (a component's config file), by their name. */
const YAML_KEY = /\.ya?ml$/;

/**
 * The YAML configs embedded in a ConfigMap's `data` (or a Secret's `stringData`, or its base64
 * `data`) parse, checked when the manifests load, so a duplicate key or a bad indent in
 * `prometheus.yml` is bad input naming the manifest file, the object, the key, the line inside
 * the key's text and (for a literal block, `key: |`) the line of the file, never a stack trace
 * from whichever component's code reads it first.
 */
export function checkEmbeddedConfigs({
  doc,
  object,
  text,
  file,
  document,
}: {
  doc: Document;
  object: Record<string, unknown>;
  text: string;
  file: string;
  document: number;
}): void {
  const kind = object.kind;
  if (kind !== "ConfigMap" && kind !== "Secret") return;
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  const at = { file, document, object: `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name ?? "?"}` };
  const sections: ["data" | "stringData", boolean][] =
    kind === "ConfigMap"
      ? [["data", false]]
      : [
          ["stringData", false],
          ["data", true],
        ];
  for (const [section, base64] of sections) {
    const data = object[section];
    if (typeof data !== "object" || data === null) continue;
    for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
      if (!YAML_KEY.test(key) || typeof raw !== "string") continue;
      const content = base64 ? Buffer.from(raw, "base64").toString("utf8") : raw;
      const error = parseAllDocuments(content).flatMap((d) => d.errors)[0];
      if (!error) continue;
      const pos = error.linePos?.[0];
      const where = pos ? ` at line ${pos.line}, column ${pos.col} of the key's text${base64 ? "" : fileLine(doc, text, section, key, pos.line)}` : "";
      throw new InputError(
        { ...at, field: `${section}[${JSON.stringify(key)}]` },
        "a config that parses as YAML",
        `${error.code}${where}: ${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      );
    }
  }
}

/** ` (line N of the file)` for a literal or folded block (`key: |`), whose text starts on the line after the indicator; else "". */
function fileLine(doc: Document, text: string, section: string, key: string, lineInKey: number): string {
  const node = doc.getIn([section, key], true);
  if (!isScalar(node) || !node.range || (node.type !== "BLOCK_LITERAL" && node.type !== "BLOCK_FOLDED")) return "";
  const indicatorLine = text.slice(0, node.range[0]).split("\n").length;
  return ` (line ${indicatorLine + lineInKey} of the file)`;
}
