import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "./test-support/run-cli.ts";

describe("obsconf validate: the security.* checks", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-validate-security-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("should pass the nine security checks on the project's manifests", async () => {
    const result = await runCli(["validate"], { timeoutMs: 120_000 });
    expect(result.code).toBe(0);
    const rows = result.stdout.split("\n").filter((l) => l.startsWith("security."));
    expect(rows.map((l) => l.split(":")[0])).toEqual([
      "security.credentials",
      "security.rbac",
      "security.service-account-tokens",
      "security.network-policies",
      "security.pod-security",
      "security.read-only-root",
      "security.resources",
      "security.tls",
      "security.images",
    ]);
    for (const row of rows) expect(row).toMatch(/\s+pass\s+/);
  });

  it("should exit 1 on Grafana admin/admin, printing each finding with its field and rule", async () => {
    const copy = path.join(dir, "manifests");
    await cp(path.join(REPO_ROOT, "stack", "manifests"), copy, { recursive: true });
    const grafana = path.join(copy, "grafana.yaml");
    const text = await readFile(grafana, "utf8");
    await writeFile(
      grafana,
      text.replace(
        "            - name: GF_SECURITY_ADMIN_PASSWORD__FILE\n              value: /etc/grafana/secrets/admin-password",
        "            - name: GF_SECURITY_ADMIN_PASSWORD\n              value: admin",
      ),
    );
    const result = await runCli(["validate", "--manifests", copy], { timeoutMs: 120_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("security.credentials: No default or literal credentials; credentials in Secrets, mounted as files failed:\n- ");
    expect(result.stdout).toMatch(
      /field spec\.template\.spec\.containers\[0\]\.env\[2\]\.value: expected no credential as an env literal \(a file from a mounted Secret\), saw GF_SECURITY_ADMIN_PASSWORD=<literal> \[Polaris: sensitiveContainerEnvVar\]/,
    );
    expect(result.stdout).toContain("saw GF_SECURITY_ADMIN_PASSWORD=admin (admin/admin or another default)");
    expect(result.stdout).toMatch(/\n16 passed, 1 failed, 1 unsupported \(not run here\)\n$/);
  });
});
