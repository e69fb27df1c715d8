import { InputError } from "../../common/errors.ts";
import type { ComponentSpec } from "../manifest/component-spec.ts";

/** A flag's value kind, told by its name (the components' own conventions: kingpin, Go flag, dskit). */
interface FlagKind {
  kind: string;
  /** What a value of this kind looks like, for the error text. */
  expected: string;
  name: RegExp;
  value: RegExp;
}

const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y))+$/;
const KINDS: readonly FlagKind[] = [
  {
    kind: "duration",
    expected: 'a duration like "15d", "30s" or "1h30m"',
    name: /(?:^|[._-])(?:time|interval|timeout|period|delay|duration|wait|age|ttl)$/,
    value: DURATION,
  },
  { kind: "size", expected: 'a size like "512MB", "1GiB" or "0B"', name: /(?:^|[._-])(?:size|bytes)$/, value: /^\d+(?:\.\d+)?(?:[KMGTPE]i?B?|B|b)?$/ },
  {
    kind: "port",
    expected: "a port number 0-65535",
    name: /(?:^|[._-])port$/,
    value: /^(?:[0-9]|[1-9]\d{1,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/,
  },
  // An empty listen address turns the listener off (Alertmanager's --cluster.listen-address=).
  {
    kind: "listen address",
    expected: 'a listen address like ":9090" or "0.0.0.0:9090" (empty: off)',
    name: /(?:^|[._-])listen-address$/,
    value: /^(?:(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):\d{1,5})?$/,
  },
  { kind: "boolean", expected: "true or false", name: /(?:^|[._-])(?:enable|disable|enabled|disabled|expand-env)$/, value: /^(?:true|false)$/ },
];

/**
 * Every `--flag=value` (or `-flag=value`) in a component's args whose name says what kind of value it
 * takes (a retention time, a size, a port, a listen address, a boolean) must be one: a value like
 * "30 sekunds" is refused before anything starts, naming the manifest, the container arg and the kind.
 */
export function checkFlagValues(spec: ComponentSpec): void {
  spec.container.args.forEach((arg, index) => {
    const match = /^--?([A-Za-z][A-Za-z0-9._-]*)=(.*)$/s.exec(arg);
    if (!match) return;
    const [, name, value] = match as unknown as [string, string, string];
    const kind = KINDS.find((k) => k.name.test(name));
    if (!kind || kind.value.test(value)) return;
    throw new InputError(
      {
        file: spec.source.file,
        document: spec.source.document,
        object: `${spec.workload.kind} ${spec.workload.namespace}/${spec.workload.name}`,
        field: `spec.template.spec.containers[0].args[${index}]`,
      },
      `${kind.expected} for ${name} (a ${kind.kind} flag)`,
      JSON.stringify(value),
    );
  });
}
