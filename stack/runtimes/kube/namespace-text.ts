/**
 * Text rewrites that move in-cluster references from one namespace to another. Pure functions:
 * the cluster runtime applies them to ConfigMap data and container args/env (see run-namespace.ts).
 */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `<svc>.<from>`, `<svc>.<from>.svc` and `<svc>.<from>.svc.cluster.local` -> the same form in `to`,
 * for the named Services only. Whole names only: `xprometheus.monitoring`, `prometheus.monitoring-2`
 * and `prometheus.monitoring.example.com` are left alone. A pod prefix
 * (`kafka-0.kafka.monitoring.svc`) is allowed, being a name of the same Service.
 */
export function rewriteServiceDns(text: string, services: readonly string[], from: string, to: string): string {
  if (services.length === 0) return text;
  const names = [...services]
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join("|");
  const pattern = new RegExp(`(?<![\\w-])(${names})\\.${escapeRegExp(from)}((?:\\.svc(?:\\.cluster\\.local)?)?)(?![\\w-]|\\.[\\w-])`, "g");
  return text.replace(pattern, (_match, service: string, suffix: string) => `${service}.${to}${suffix}`);
}

/**
 * Prometheus (and Promtail) `kubernetes_sd_configs[].namespaces.names` entries equal to `from` -> `to`,
 * in flow (`names: [monitoring, other]`) or block (`names:\n  - monitoring`) style. Only under a
 * `namespaces:` key; other lists, job names and comments are untouched.
 */
export function rewriteSdNamespaces(text: string, from: string, to: string): string {
  const lines = text.split("\n");
  const item = new RegExp(`^(\\s*["']?)${escapeRegExp(from)}(["']?\\s*)$`);
  const blockItem = new RegExp(`^(\\s*-\\s+["']?)${escapeRegExp(from)}(["']?\\s*(?:#.*)?)$`);
  let namespacesIndent: number | undefined;
  let namesIndent: number | undefined;
  lines.forEach((line, index) => {
    const indent = line.search(/\S/);
    if (indent < 0 || line.trimStart().startsWith("#")) return;
    if (namesIndent !== undefined) {
      if (indent >= namesIndent && /^\s*-\s/.test(line)) {
        lines[index] = line.replace(blockItem, `$1${to}$2`);
        return;
      }
      namesIndent = undefined;
    }
    if (namespacesIndent !== undefined && indent <= namespacesIndent) namespacesIndent = undefined;
    const key = /^(\s*(?:-\s+)?)namespaces:\s*(?:#.*)?$/.exec(line);
    if (key) {
      namespacesIndent = key[1]!.length;
      return;
    }
    if (namespacesIndent === undefined) return;
    const flow = /^(\s*names:\s*\[)([^\]]*)(\].*)$/.exec(line);
    if (flow) {
      const items = flow[2]!.split(",").map((entry) => entry.replace(item, `$1${to}$2`));
      lines[index] = `${flow[1]}${items.join(",")}${flow[3]}`;
    } else if (/^\s*names:\s*(?:#.*)?$/.test(line)) {
      namesIndent = indent;
    }
  });
  return lines.join("\n");
}
