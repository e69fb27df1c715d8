import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollUntil } from "../../common/poll-until.ts";
import { AlertmanagerApiError, AlertmanagerClient } from "./alertmanager-client.ts";
import { startLoopbackProcess, stopLoopbackProcess, type LoopbackProcess } from "./test-loopback-process.ts";
import { freeLoopbackPort } from "./test-prometheus.ts";

const ALERTMANAGER_BINARY = "/usr/bin/prometheus-alertmanager";
const skipReason = existsSync(ALERTMANAGER_BINARY)
  ? undefined
  : `${ALERTMANAGER_BINARY} not found: install Debian's prometheus-alertmanager package to run this integration test`;
if (skipReason) console.log(`skipping Alertmanager client test: ${skipReason}`);

const CONFIG = [
  "route:",
  "  receiver: hook",
  "  group_wait: 1h",
  "receivers:",
  "  - name: hook",
  "    webhook_configs:",
  "      - url: http://127.0.0.1:9/never",
  "  - name: quiet",
  "",
].join("\n");

/** Alertmanager 0.25 with CONFIG; `--cluster.listen-address=` is empty, so no gossip listener on 0.0.0.0:9094. */
function startAlertmanager(): Promise<LoopbackProcess> {
  return startLoopbackProcess({
    binary: ALERTMANAGER_BINARY,
    files: () => ({ "alertmanager.yml": CONFIG }),
    args: (dir, listen) => [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=${listen}`,
      "--cluster.listen-address=",
    ],
  });
}

describe.skipIf(skipReason !== undefined)("AlertmanagerClient against a real Alertmanager 0.25", () => {
  let am: LoopbackProcess | undefined;
  let client: AlertmanagerClient;
  beforeAll(async () => {
    am = await startAlertmanager();
    client = new AlertmanagerClient({ baseUrl: `${am.baseUrl}/` });
  }, 40_000);
  afterAll(async () => {
    await client?.close();
    if (am) await stopLoopbackProcess(am);
  });

  it("should read the running config, version and cluster state from status()", async () => {
    const { data, durationMs } = await client.status();
    expect(data.config.original).toContain("receiver: hook");
    expect(data.config.original).toContain("url: http://127.0.0.1:9/never");
    expect(data.versionInfo.version).toBe("0.25.0");
    expect(data.cluster).toEqual({ status: "disabled", peers: [] });
    expect(durationMs).toBeGreaterThan(0);
  });

  it("should report readiness and receiver names", async () => {
    expect((await client.ready()).data).toEqual({ ready: true, status: 200, body: "OK" });
    expect((await client.receivers()).data).toEqual(["hook", "quiet"]);
  });

  it("should post an alert and read it back from alerts()", async () => {
    const startsAt = new Date().toISOString();
    await client.postAlerts([{ labels: { alertname: "ObsconfClientProbe", severity: "none" }, annotations: { summary: "client test" }, startsAt }]);
    const { data } = await pollUntil(
      "posted alert listed",
      () => client.alerts({ filter: ['alertname="ObsconfClientProbe"'] }),
      (r) => r.data.length === 1,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(data[0]).toMatchObject({
      labels: { alertname: "ObsconfClientProbe", severity: "none" },
      annotations: { summary: "client test" },
      receivers: [{ name: "hook" }],
      status: { state: "active", silencedBy: [], inhibitedBy: [] },
    });
    expect((await client.alerts({ filter: ['alertname="SomethingElse"'] })).data).toEqual([]);
  });

  it("should throw naming method, URL, status and body when the API rejects an alert", async () => {
    const error = await client.postAlerts([{ labels: {} }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertmanagerApiError);
    const apiError = error as AlertmanagerApiError;
    expect(apiError.message).toBe(`alertmanager postAlerts() POST ${am!.baseUrl}/api/v2/alerts failed: HTTP 400 ${JSON.stringify(apiError.bodyExcerpt)}`);
    expect(apiError.status).toBe(400);
    expect(apiError.bodyExcerpt).toContain("at least one label pair required");
  });

  it("should throw with the status and body excerpt for a path the server does not serve", async () => {
    await using wrong = new AlertmanagerClient({ baseUrl: `${am!.baseUrl}/prefix` });
    const error = await wrong.status().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertmanagerApiError);
    expect((error as Error).message).toBe(`alertmanager status() GET ${am!.baseUrl}/prefix/api/v2/status failed: HTTP 404 "404 page not found\\n"`);
  });
});

describe("AlertmanagerClient transport failures", () => {
  it("should throw naming the method and URL when nothing listens", async () => {
    const port = await freeLoopbackPort();
    await using client = new AlertmanagerClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const error = await client.receivers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertmanagerApiError);
    expect((error as AlertmanagerApiError).status).toBeUndefined();
    expect((error as Error).message).toBe(
      `alertmanager receivers() GET http://127.0.0.1:${port}/api/v2/receivers failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
