import { readFile } from "node:fs/promises";
import { request } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** One request to a real kube-apiserver and its answer, kept as a fixture the API double replays. */
export interface RecordedAnswer {
  /** What the exchange shows, e.g. `discovery /api/v1`, `403 forbidden list namespaces`. */
  name: string;
  method: string;
  path: string;
  contentType?: string;
  status: number;
  body: unknown;
}

export interface RawRequest {
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
}

/** Sends one request with a kubeconfig's credentials (client certificate or bearer token) and CA. */
export async function rawRequest(
  kc: KubeConfig,
  { method, path, body, contentType = "application/json" }: RawRequest,
): Promise<{ status: number; body: unknown }> {
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const ca = cluster.caFile ? await readFile(cluster.caFile) : undefined;
  const cert = user.certFile ? await readFile(user.certFile) : undefined;
  const key = user.keyFile ? await readFile(user.keyFile) : undefined;
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster.server}${path}`,
      {
        method,
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        timeout: 10_000,
        headers: {
          accept: "application/json",
          ...(user.token ? { authorization: `Bearer ${user.token}` } : {}),
          ...(payload !== undefined ? { "content-type": contentType } : {}),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 10000ms`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Records one exchange. */
export async function record(kc: KubeConfig, name: string, req: RawRequest): Promise<RecordedAnswer> {
  const answer = await rawRequest(kc, req);
  return { name, method: req.method, path: req.path, ...(req.contentType ? { contentType: req.contentType } : {}), status: answer.status, body: answer.body };
}

/**
 * The shape of an answer, for comparing a live answer with its fixture without the values that
 * change every run (uids, resourceVersions, timestamps): status code, `kind`, `reason`, and the
 * sorted top-level keys of the body and of `details`.
 */
export function answerShape(answer: Pick<RecordedAnswer, "status" | "body">): string {
  const body = answer.body as Record<string, unknown> | undefined;
  if (typeof body !== "object" || body === null) return `${answer.status} ${typeof answer.body}`;
  const details = body.details as Record<string, unknown> | undefined;
  return `${answer.status} ${String(body.kind)} ${String(body.reason ?? "")} [${Object.keys(body).sort().join(",")}]${details ? ` details[${Object.keys(details).sort().join(",")}]` : ""}`;
}
