import type { Notification } from "./notification.ts";

/** What a channel's body says about the alert; the sink adds channel, time, receiver and raw. */
export type ParsedFields = Pick<Notification, "status" | "alertNames"> & Partial<Pick<Notification, "groupKey" | "dedupKey" | "receiver">>;
export type ParseResult = { kind: "ok"; fields: ParsedFields } | { kind: "invalid"; errors: string[] };

const TITLE = /^\s*\[(FIRING|RESOLVED)(?::(\d+))?\]\s*([^(]*?)\s*(?:\((.*)\))?\s*$/;
const ALERTNAME_LABEL = /alertname\s*=\s*"?([A-Za-z_:][A-Za-z0-9_:]*)/g;

/**
 * Alertmanager's default `__subject` template (Slack title, PagerDuty summary, email subject):
 * `[FIRING:1] <group label values> (<other common label values>)` or `[RESOLVED] ...`.
 * The alert name is the first group label value when grouping by alertname (the usual route).
 */
export function parseAlertTitle(title: string): { status: Notification["status"]; firing?: number; groupValues: string[] } | undefined {
  const m = TITLE.exec(title);
  if (!m) return undefined;
  return {
    status: m[1] === "FIRING" ? "firing" : "resolved",
    ...(m[2] === undefined ? {} : { firing: Number(m[2]) }),
    groupValues: m[3]!.split(/\s+/).filter(Boolean),
  };
}

/** Alert names from a rendered label list (`alertname = X`), as default bodies and details carry them. */
export function alertNamesInText(text: string): string[] {
  return [...new Set([...text.matchAll(ALERTNAME_LABEL)].map((m) => m[1]!))];
}

/** Status from the title, names from the label lists in `details` when present, else the title. */
export function fieldsFromTitle(title: string, details: string): ParsedFields | undefined {
  const parsed = parseAlertTitle(title);
  if (!parsed) return undefined;
  const named = alertNamesInText(details);
  return { status: parsed.status, alertNames: named.length > 0 ? named : parsed.groupValues.slice(0, 1) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const blank = (v: unknown) => typeof v !== "string" || v.trim() === "";

/** PagerDuty Events API v2 (`/v2/enqueue`): trigger = firing, resolve = resolved. */
export function parsePagerDutyEvent(body: unknown): ParseResult {
  if (!isObject(body)) return { kind: "invalid", errors: ["Event object is not a JSON object"] };
  const errors: string[] = [];
  if (blank(body.routing_key)) errors.push("'routing_key' is missing or blank");
  const action = body.event_action;
  if (blank(action)) errors.push("'event_action' is missing or blank");
  else if (action !== "trigger" && action !== "resolve") errors.push("'event_action' must be one of trigger, resolve");
  const payload = isObject(body.payload) ? body.payload : undefined;
  if (action === "trigger") {
    if (!payload) errors.push("'payload' is missing or blank");
    else for (const key of ["summary", "source", "severity"]) if (blank(payload[key])) errors.push(`'payload.${key}' is missing or blank`);
    if (payload && !blank(payload.severity) && !["critical", "error", "warning", "info"].includes(payload.severity as string)) {
      errors.push("'payload.severity' must be one of critical, error, warning, info");
    }
  }
  if (action === "resolve" && blank(body.dedup_key)) errors.push("'dedup_key' is missing or blank");
  if (errors.length > 0) return { kind: "invalid", errors };
  const summary = typeof payload?.summary === "string" ? payload.summary : "";
  const fromTitle = fieldsFromTitle(summary, JSON.stringify(payload?.custom_details ?? ""));
  return {
    kind: "ok",
    fields: {
      status: action === "trigger" ? "firing" : "resolved",
      alertNames: fromTitle?.alertNames ?? (summary ? [summary] : []),
      ...(typeof body.dedup_key === "string" ? { dedupKey: body.dedup_key } : {}),
    },
  };
}

/** Slack incoming webhook: `text` and/or `attachments[]` with title/text (Alertmanager puts the subject in the title). */
export function parseSlackMessage(body: unknown): ParseResult {
  if (!isObject(body)) return { kind: "invalid", errors: ["invalid_payload"] };
  const attachments = Array.isArray(body.attachments) ? body.attachments.filter(isObject) : [];
  const texts = [body.text, ...attachments.flatMap((a) => [a.title, a.fallback, a.pretext, a.text])].filter(
    (t): t is string => typeof t === "string" && t !== "",
  );
  if (texts.length === 0) return { kind: "invalid", errors: ["no_text"] };
  const titled = texts.map((t) => fieldsFromTitle(t, texts.join("\n"))).find((f) => f !== undefined);
  return { kind: "ok", fields: titled ?? { status: "firing", alertNames: alertNamesInText(texts.join("\n")) } };
}

/** Alertmanager's generic webhook payload, version 4. */
export function parseAlertmanagerWebhook(body: unknown): ParseResult {
  if (!isObject(body)) return { kind: "invalid", errors: ["body is not a JSON object"] };
  const errors: string[] = [];
  if (body.version !== "4") errors.push(`version: expected "4", saw ${JSON.stringify(body.version)}`);
  if (body.status !== "firing" && body.status !== "resolved") errors.push(`status: expected firing or resolved, saw ${JSON.stringify(body.status)}`);
  if (!Array.isArray(body.alerts)) errors.push("alerts: expected a list");
  if (blank(body.groupKey)) errors.push("groupKey: expected a string");
  if (errors.length > 0) return { kind: "invalid", errors };
  const alerts = (body.alerts as unknown[]).filter(isObject);
  const names = alerts.map((a) => (isObject(a.labels) ? a.labels.alertname : undefined)).filter((n): n is string => typeof n === "string");
  return {
    kind: "ok",
    fields: {
      status: body.status as Notification["status"],
      alertNames: [...new Set(names)],
      groupKey: body.groupKey as string,
      ...(typeof body.receiver === "string" ? { receiver: body.receiver } : {}),
    },
  };
}
