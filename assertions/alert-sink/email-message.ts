/**
 * Just enough RFC 5322 / MIME reading for alert emails: unfolded headers, RFC 2047 encoded
 * words, multipart bodies and quoted-printable / base64 parts, flattened to text.
 */
export interface ParsedEmail {
  headers: Map<string, string>;
  subject: string;
  /** Every text part (plain and HTML), decoded and joined. */
  text: string;
}

export function parseEmail(raw: string): ParsedEmail {
  const { headers, body } = splitEntity(raw);
  return { headers, subject: decodeWords(headers.get("subject") ?? ""), text: leafTexts(headers, body).join("\n") };
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const normalized = raw.replace(/\r\n/g, "\n");
  const end = normalized.indexOf("\n\n");
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: end === -1 ? "" : normalized.slice(end + 2) };
}

function leafTexts(headers: Map<string, string>, body: string, depth = 0): string[] {
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary && depth < 5) {
    const parts = body.split(`--${boundary}`).slice(1);
    return parts
      .filter((p) => !p.startsWith("--"))
      .flatMap((p) => {
        const part = splitEntity(p.replace(/^\n/, ""));
        return leafTexts(part.headers, part.body, depth + 1);
      });
  }
  if (!/^text\//i.test(type)) return [];
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (encoding === "base64") return [Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")];
  if (encoding === "quoted-printable") return [decodeQuotedPrintable(body)];
  return [body];
}

export function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => `%${hex}`);
  try {
    return decodeURIComponent(bytes.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
  } catch {
    return bytes;
  }
}

/** RFC 2047: `=?utf-8?q?...?=` and `=?utf-8?b?...?=`, adjacent words joined. */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : decodeQuotedPrintable(data.replace(/_/g, " ")),
    );
}
