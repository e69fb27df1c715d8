import { ApiException } from "@kubernetes/client-node";

/**
 * What the API said, for error text: `HTTP 422 Invalid "StatefulSet.apps \"x\" is invalid: ..."`.
 * The client's own ApiException message carries the whole body and every response header on
 * several lines, so it is never shown as is.
 */
export function apiErrorDetail(error: unknown): string {
  if (error instanceof ApiException) {
    const status = parseStatus(error.body);
    const discovery = error.message.startsWith("Failed to fetch resource metadata") ? "API discovery failed: " : "";
    if (status?.message) return `${discovery}HTTP ${error.code}${status.reason ? ` ${status.reason}` : ""} ${JSON.stringify(status.message)}`;
    const text = typeof error.body === "string" ? error.body : JSON.stringify(error.body);
    return `${discovery}HTTP ${error.code}${text ? ` ${JSON.stringify(text.length > 200 ? `${text.slice(0, 199)}…` : text)}` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The HTTP status code of an API error, or undefined for a transport failure. */
export function apiErrorCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function parseStatus(body: unknown): { message?: string; reason?: string } | undefined {
  if (typeof body === "object" && body !== null) return body as { message?: string; reason?: string };
  if (typeof body !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null ? (parsed as { message?: string; reason?: string }) : undefined;
  } catch {
    return undefined;
  }
}
