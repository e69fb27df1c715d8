import { isMap, isSeq, parseDocument, Scalar, type Document, type YAMLMap } from "yaml";
import { describeSeen, InputError } from "../../common/errors.ts";
import { RECEIVER_HEADER } from "./notification.ts";

/** Where the alert sinks listen (AlertSink `urls` and SmtpSink `hostPort`). */
export interface SinkEndpoints {
  pagerdutyUrl: string;
  slackUrl: string;
  webhookBaseUrl: string;
  smtpHostPort: string;
}

export interface ReceiverOverrides {
  text: string;
  /** One line per change, for printing: `receiver slack-warnings: slack_configs[0].api_url: <old> -> <new>`. */
  rewrites: string[];
}

/** Dummy SMTP credentials: the sink accepts any. */
const SINK_USER = "obsconf";
const SINK_PASSWORD = "obsconf";

/**
 * Points every receiver of an Alertmanager config at the alert sinks and changes nothing else
 * (comments, routes, inhibit rules and templates are kept). Pure: text in, text out.
 * - pagerduty_configs: `url` -> the sink's enqueue URL with `?receiver=<name>` (routing_key_file is kept)
 * - slack_configs: `api_url` -> `<slackUrl>/<receiver>`, `api_url_file` removed
 * - webhook_configs: `url` -> `<webhookBaseUrl>/<receiver>`, `url_file` removed
 * - email_configs: `smarthost` -> the SMTP sink, `require_tls: false`, a receiver header, and
 *   dummy `auth_username`/`auth_password` in place of configured credentials (files and secrets removed)
 */
export function pointReceiversAtSink(alertmanagerYaml: string, sink: SinkEndpoints, { file = "alertmanager.yml" } = {}): ReceiverOverrides {
  const doc = parseDocument(alertmanagerYaml);
  if (doc.errors.length > 0) throw new InputError({ file }, "valid YAML", doc.errors[0]!.message.split("\n")[0]!);
  const rewrites: string[] = [];
  const receivers = doc.get("receivers");
  if (receivers === undefined) return { text: doc.toString({ lineWidth: 0 }), rewrites };
  if (!isSeq(receivers)) throw new InputError({ file, field: "receivers" }, "a list of receivers", describeSeen(doc.toJS().receivers));
  receivers.items.forEach((receiver, index) => {
    if (!isMap(receiver)) throw new InputError({ file, field: `receivers[${index}]` }, "a receiver mapping", describeSeen(String(receiver)));
    const name = receiver.get("name");
    if (typeof name !== "string" || name === "") {
      throw new InputError({ file, field: `receivers[${index}].name` }, "a receiver name", describeSeen(name));
    }
    const change = (configs: string, i: number, cfg: YAMLMap, key: string, value: unknown) => {
      const old = cfg.get(key);
      if (old === value) return;
      cfg.set(key, quoted(doc, value));
      rewrites.push(`receiver ${name}: ${configs}[${i}].${key}: ${old === undefined ? "(unset)" : String(old)} -> ${String(value)}`);
    };
    const remove = (configs: string, i: number, cfg: YAMLMap, key: string) => {
      if (cfg.delete(key)) rewrites.push(`receiver ${name}: ${configs}[${i}].${key}: removed`);
    };
    eachConfig(receiver, "pagerduty_configs", (cfg, i) => {
      change("pagerduty_configs", i, cfg, "url", `${sink.pagerdutyUrl}?receiver=${encodeURIComponent(name)}`);
      if (cfg.has("service_key") || cfg.has("service_key_file")) {
        rewrites.push(`receiver ${name}: pagerduty_configs[${i}]: warning: service_key is PagerDuty Events v1; the sink speaks Events v2 only`);
      }
    });
    eachConfig(receiver, "slack_configs", (cfg, i) => {
      remove("slack_configs", i, cfg, "api_url_file");
      change("slack_configs", i, cfg, "api_url", `${sink.slackUrl}/${encodeURIComponent(name)}`);
    });
    eachConfig(receiver, "webhook_configs", (cfg, i) => {
      remove("webhook_configs", i, cfg, "url_file");
      change("webhook_configs", i, cfg, "url", `${sink.webhookBaseUrl}/${encodeURIComponent(name)}`);
    });
    eachConfig(receiver, "email_configs", (cfg, i) => {
      change("email_configs", i, cfg, "smarthost", sink.smtpHostPort);
      change("email_configs", i, cfg, "require_tls", false);
      if (usesSmtpAuth(doc, cfg)) {
        for (const key of ["auth_password_file", "auth_secret", "auth_identity"]) remove("email_configs", i, cfg, key);
        change("email_configs", i, cfg, "auth_username", SINK_USER);
        change("email_configs", i, cfg, "auth_password", SINK_PASSWORD);
      }
      const headers = cfg.get("headers");
      if (isMap(headers)) headers.set(RECEIVER_HEADER, quoted(doc, name));
      else cfg.set("headers", doc.createNode({ [RECEIVER_HEADER]: quoted(doc, name) }));
      rewrites.push(`receiver ${name}: email_configs[${i}].headers.${RECEIVER_HEADER}: ${name}`);
    });
  });
  return { text: doc.toString({ lineWidth: 0 }), rewrites };
}

/** Inserted strings are double-quoted: URLs and host:port are ambiguous plain scalars inside flow mappings. */
function quoted(doc: Document, value: unknown): unknown {
  if (typeof value !== "string") return value;
  const node = doc.createNode(value);
  node.type = Scalar.QUOTE_DOUBLE;
  return node;
}

function eachConfig(receiver: YAMLMap, key: string, visit: (cfg: YAMLMap, index: number) => void): void {
  const configs = receiver.get(key);
  if (!isSeq(configs)) return;
  configs.items.forEach((cfg, i) => {
    if (isMap(cfg)) visit(cfg, i);
  });
}

function usesSmtpAuth(doc: Document, cfg: YAMLMap): boolean {
  const local = ["auth_username", "auth_password", "auth_password_file", "auth_secret"].some((k) => cfg.has(k));
  const global = ["smtp_auth_username", "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret"].some((k) => doc.hasIn(["global", k]));
  return local || global;
}
