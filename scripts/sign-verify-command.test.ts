import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonReporter } from "../reports/json-reporter.ts";
import { sampleRun } from "../reports/fixtures/sample-run.ts";
import { runCli } from "./test-support/run-cli.ts";

describe("obsconf keygen, sign and verify", () => {
  let dir = "";
  let report = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-sign-"));
    report = path.join(dir, "run-result.json");
    await writeFile(report, new JsonReporter().onRunEnd(sampleRun()).contents);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("should sign a report, verify it, and fail verification after a one-byte change or with another key", async () => {
    const keygen = await runCli(["keygen", "--out", path.join(dir, "signoff")]);
    expect(keygen).toMatchObject({ code: 0, stderr: "" });
    expect((await stat(path.join(dir, "signoff.key"))).mode & 0o777).toBe(0o600);
    expect(await runCli(["keygen", "--out", path.join(dir, "other")])).toMatchObject({ code: 0 });

    const sign = await runCli(["sign", report, "--key", path.join(dir, "signoff.key")]);
    expect(sign).toMatchObject({ code: 0, stderr: "" });
    const envelopeFile = path.join(dir, "run-result.intoto.json");
    expect(sign.stdout).toContain(`envelope:         ${envelopeFile}`);
    expect(JSON.parse(await readFile(envelopeFile, "utf8"))).toMatchObject({
      payloadType: "application/vnd.in-toto+json",
      signatures: [{ keyid: expect.stringMatching(/^[0-9a-f]{64}$/) }],
    });

    const ok = await runCli(["verify", report, "--key", path.join(dir, "signoff.pub"), "--manifests", "stack/manifests"]);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(ok.stdout).toMatch(/^verified: /);
    expect(ok.stdout).toContain("report digest: sha256 ");
    expect(ok.stdout).toContain("manifests digest: sha256 ");

    const wrongKey = await runCli(["verify", report, "--key", path.join(dir, "other.pub")]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(/^verification FAILED: .*\n {2}signature: none of the envelope's 1 signature verifies with the given public key/);

    const bytes = await readFile(report);
    bytes[bytes.indexOf('"fail"') + 1] = "F".charCodeAt(0);
    await writeFile(report, bytes);
    const tampered = await runCli(["verify", report, "--key", path.join(dir, "signoff.pub")]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(
      /\n {2}report digest: the report's sha256 is [0-9a-f]{64}, the signed subject is run-result.json [0-9a-f]{64}: the report was changed after signing/,
    );
  });

  it("should exit 2 naming the file when the key is missing or the report is not a RunResult, and never overwrite an envelope", async () => {
    const noKey = await runCli(["verify", report, "--key", path.join(dir, "missing.pub")]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toBe(`obsconf: error: ${path.join(dir, "missing.pub")}: field --key: expected a readable Ed25519 public key (PEM), saw ENOENT\n`);

    const notReport = path.join(dir, "not-a-report.json");
    await writeFile(notReport, '{"hello": 1}\n');
    const bad = await runCli(["sign", notReport, "--key", path.join(dir, "signoff.key")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      new RegExp(
        `^obsconf: error: ${notReport}: expected a RunResult matching reports/run-result.schema.json, saw /schemaVersion: Invalid input: expected 1; /runId: Invalid input: expected string, received undefined`,
      ),
    );

    const fresh = path.join(dir, "fresh.json");
    await writeFile(fresh, new JsonReporter().onRunEnd(sampleRun()).contents);
    await writeFile(path.join(dir, "fresh.intoto.json"), "{}\n");
    const again = await runCli(["sign", fresh, "--key", path.join(dir, "signoff.key")]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("expected a path where no envelope exists yet (signatures are never overwritten), saw an existing file");
    expect(await readFile(path.join(dir, "fresh.intoto.json"), "utf8")).toBe("{}\n");
  });
});
