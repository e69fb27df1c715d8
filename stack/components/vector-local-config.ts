import { parse, stringify } from "yaml";
import type { LocalAdaptContext, LocalPod } from "./component-def.ts";

type Section = Record<string, Record<string, unknown>>;

/**
 * Replaces each `kubernetes_logs` source (it needs a Kubernetes API) with a `file` source over the
 * run's stand-in for the node's `/var/log/pods` plus a remap, `<source>_cri`, that does what
 * kubernetes_logs does for the manifest's transforms: strips the CRI prefix (timestamp, stream, tag)
 * and sets `.kubernetes.pod_namespace/pod_name/pod_uid/container_name` from the file's path and
 * `.kubernetes.pod_labels` from the harness pod with that uid. Everything that read the source reads
 * the remap instead; the manifest's own remap and sinks are unchanged. Partial (`P`) CRI lines are
 * not merged (the harness writes only full `F` lines).
 */
export function adaptVectorConfig(text: string, context: LocalAdaptContext): string {
  const config = parse(text) as { sources?: Section; transforms?: Section; sinks?: Section };
  for (const [name, source] of Object.entries(config.sources ?? {})) {
    if (source.type !== "kubernetes_logs") continue;
    const include = `${context.podLogDir}/*/*/*.log`;
    // device_and_inode: the checksum fingerprint of older Vectors waits for 256 bytes before reading a new file.
    config.sources![name] = { type: "file", include: [include], read_from: "beginning", fingerprint: { strategy: "device_and_inode" } };
    const remap = `${name}_cri`;
    config.transforms = { [remap]: { type: "remap", inputs: [name], source: criRemapSource(context.pods) }, ...config.transforms };
    const readers: string[] = [];
    for (const [kind, section] of [
      ["transforms", config.transforms],
      ["sinks", config.sinks],
    ] as const) {
      for (const [id, component] of Object.entries(section ?? {})) {
        const inputs = component.inputs as string[] | undefined;
        if (id === remap || !inputs?.includes(name)) continue;
        component.inputs = inputs.map((input) => (input === name ? remap : input));
        readers.push(`${kind}.${id}`);
      }
    }
    context.note(
      `vector: sources.${name}: kubernetes_logs -> file source over ${include} + remap transforms.${remap} (CRI prefix parsed; .kubernetes.* from the path and ` +
        `${context.pods.length} harness pod(s): ${context.pods.map((p) => `${p.namespace}/${p.name}`).join(", ") || "none"}); ${readers.join(", ") || "nothing"} now read${readers.length === 1 ? "s" : ""} ${remap}`,
    );
  }
  return stringify(config, { lineWidth: 0 });
}

/** VRL: CRI prefix -> .message/.stream/.timestamp; `<ns>_<pod>_<uid>/<container>/N.log` -> .kubernetes.*. */
export function criRemapSource(pods: readonly LocalPod[]): string {
  const labels = pods.map(
    (pod) =>
      `  if location.uid == ${vrlString(pod.uid)} { .kubernetes.pod_labels = {${Object.entries(pod.labels)
        .map(([k, v]) => `${vrlString(k)}: ${vrlString(v)}`)
        .join(", ")}} }`,
  );
  return [
    `cri, err = parse_regex(to_string(.message) ?? "", r'^(?P<timestamp>\\S+) (?P<stream>stdout|stderr) (?P<tag>[FP]) (?P<message>.*)$')`,
    `if err == null {`,
    `  .message = cri.message`,
    `  .stream = cri.stream`,
    `  .timestamp = parse_timestamp(to_string(cri.timestamp) ?? "", "%+") ?? now()`,
    `}`,
    `location, err = parse_regex(to_string(.file) ?? "", r'/(?P<namespace>[^/_]+)_(?P<pod>[^/_]+)_(?P<uid>[^/_]+)/(?P<container>[^/]+)/[^/]+\\.log$')`,
    `if err == null {`,
    `  .kubernetes.pod_namespace = location.namespace`,
    `  .kubernetes.pod_name = location.pod`,
    `  .kubernetes.pod_uid = location.uid`,
    `  .kubernetes.container_name = location.container`,
    ...labels,
    `}`,
    "",
  ].join("\n");
}

/** A VRL string literal (VRL's escapes are JSON's for the characters that need one). */
function vrlString(value: string): string {
  return JSON.stringify(value);
}
