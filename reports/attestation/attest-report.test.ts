import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { sampleRun } from "../fixtures/sample-run.ts";
import { JsonReporter } from "../json-reporter.ts";
import { attestReport, verifyAttestation } from "./attest-report.ts";
import { decodeBase64, keyIdOf, parseEnvelope, preAuthEncoding } from "./dsse.ts";
import { IN_TOTO_PAYLOAD_TYPE, sha256Hex } from "./signoff-statement.ts";

const run = promisify(execFile);
const MANIFESTS_SHA = "a".repeat(64);

function reportBytes(): Buffer {
  return Buffer.from(new JsonReporter().onRunEnd(sampleRun()).contents, "utf8");
}

function signed(bytes = reportBytes()) {
  const keys = generateKeyPairSync("ed25519");
  const { envelope, statement } = attestReport(
    {
      reportName: "run-result.json",
      reportBytes: bytes,
      result: JSON.parse(bytes.toString("utf8")),
      manifests: { sha256: MANIFESTS_SHA, files: 14 },
      obsconfVersion: "0.1.0",
    },
    keys.privateKey,
  );
  return { keys, envelope, statement, bytes };
}

describe("DSSE pre-authentication encoding", () => {
  it("should match the DSSE protocol's test vector", () => {
    expect(preAuthEncoding("http://example.com/HelloWorld", Buffer.from("hello world")).toString("utf8")).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
  });

  it("should count bytes, not characters, for a non-ASCII type and body", () => {
    expect(preAuthEncoding("t\u00e9", Buffer.from("\u00fc", "utf8")).toString("utf8")).toBe("DSSEv1 3 t\u00e9 2 \u00fc");
  });

  it("should accept standard and URL-safe base64 and refuse anything else", () => {
    expect(decodeBase64("+/8=")).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64("-_8")).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64("not base64!")).toBeUndefined();
  });
});

describe("attestReport + verifyAttestation", () => {
  it("should write an in-toto Statement whose subject is the report's sha256 and whose predicate names manifests, contract, obsconf, runtime and images", () => {
    const { envelope, statement, bytes, keys } = signed();
    expect(envelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(envelope.signatures).toEqual([{ keyid: keyIdOf(keys.publicKey), sig: expect.any(String) }]);
    expect(JSON.parse(decodeBase64(envelope.payload)!.toString("utf8"))).toEqual(statement);
    expect(statement).toMatchObject({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "run-result.json", digest: { sha256: sha256Hex(bytes) } }],
      predicateType: "https://obsconf.dev/attestation/signoff/v1",
      predicate: {
        run: { id: sampleRun().runId, profile: sampleRun().profile },
        manifests: { digest: { sha256: MANIFESTS_SHA } },
        contract: { version: sampleRun().contractVersion },
        obsconf: { version: "0.1.0" },
        runtime: { name: sampleRun().runtime.name },
      },
    });
    expect(statement.predicate.images.map((i) => i.image)).toEqual(sampleRun().inventory.map((e) => e.image));
  });

  it("should verify the untouched report with the signer's public key", () => {
    const { envelope, bytes, keys } = signed();
    const verdict = verifyAttestation({ reportBytes: bytes, envelope, publicKey: keys.publicKey, manifestsSha256: MANIFESTS_SHA });
    expect(verdict).toMatchObject({ ok: true, keyid: keyIdOf(keys.publicKey) });
  });

  it("should fail when one byte of the report is changed, naming both digests", () => {
    const { envelope, bytes, keys } = signed();
    const tampered = Buffer.from(bytes);
    const at = tampered.indexOf("pass");
    tampered[at] = "P".charCodeAt(0);
    const verdict = verifyAttestation({ reportBytes: tampered, envelope, publicKey: keys.publicKey });
    expect(verdict).toEqual({
      ok: false,
      reason: `report digest: the report's sha256 is ${sha256Hex(tampered)}, the signed subject is run-result.json ${sha256Hex(bytes)}: the report was changed after signing, or this is another report`,
    });
  });

  it("should fail with another key, naming that key's id", () => {
    const { envelope, bytes } = signed();
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(verifyAttestation({ reportBytes: bytes, envelope, publicKey: other })).toEqual({
      ok: false,
      reason: `signature: none of the envelope's 1 signature verifies with the given public key (key id ${keyIdOf(other)})`,
    });
  });

  it("should fail when the signed payload or its type is altered, even with the report untouched", () => {
    const { envelope, bytes, keys } = signed();
    const statement = JSON.parse(decodeBase64(envelope.payload)!.toString("utf8"));
    statement.predicate.run.verdict = "pass-by-edit";
    const edited = { ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString("base64") };
    expect(verifyAttestation({ reportBytes: bytes, envelope: edited, publicKey: keys.publicKey })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^signature: none of/),
    });
    const retyped = { ...envelope, payloadType: "application/json" };
    expect(verifyAttestation({ reportBytes: bytes, envelope: retyped, publicKey: keys.publicKey })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^signature: none of/),
    });
  });

  it("should fail when the verifier's manifests differ from the signed digest", () => {
    const { envelope, bytes, keys } = signed();
    expect(verifyAttestation({ reportBytes: bytes, envelope, publicKey: keys.publicKey, manifestsSha256: "b".repeat(64) })).toEqual({
      ok: false,
      reason: `manifests digest: the given manifests hash to ${"b".repeat(64)}, the signed predicate names ${MANIFESTS_SHA}`,
    });
  });

  it("should accept a URL-safe base64 signature (DSSE: verifiers must accept either encoding)", () => {
    const { envelope, bytes, keys } = signed();
    const urlSafe = { ...envelope, signatures: [{ sig: decodeBase64(envelope.signatures[0]!.sig)!.toString("base64url") }] };
    expect(verifyAttestation({ reportBytes: bytes, envelope: urlSafe, publicKey: keys.publicKey }).ok).toBe(true);
  });

  it("should parse an envelope and name the field that is wrong", () => {
    expect(parseEnvelope('{"payload":"eA==","payloadType":"t","signatures":[{"keyid":"k","sig":"eA=="}]}')).toEqual({
      envelope: { payload: "eA==", payloadType: "t", signatures: [{ keyid: "k", sig: "eA==" }] },
    });
    expect(parseEnvelope('{"payload":"eA==","payloadType":"t","signatures":[{}]}')).toEqual({ problem: "an object with a base64 sig", field: "signatures[0]" });
    expect(parseEnvelope("[")).toMatchObject({ field: "", problem: expect.stringMatching(/^JSON/) });
  });

  it("should produce a signature that openssl verifies over the same PAE bytes (interoperability)", async (ctx) => {
    const openssl = await run("openssl", ["version"]).catch(() => undefined);
    if (!openssl) {
      console.log("skipped: openssl is not on PATH");
      ctx.skip();
      return;
    }
    const { envelope, keys } = signed();
    const dir = await mkdtemp(join(tmpdir(), "obsconf-dsse-"));
    try {
      await writeFile(join(dir, "pub.pem"), keys.publicKey.export({ type: "spki", format: "pem" }));
      await writeFile(join(dir, "pae.bin"), preAuthEncoding(envelope.payloadType, decodeBase64(envelope.payload)!));
      await writeFile(join(dir, "sig.bin"), decodeBase64(envelope.signatures[0]!.sig)!);
      const { stdout } = await run("openssl", [
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        join(dir, "pub.pem"),
        "-rawin",
        "-in",
        join(dir, "pae.bin"),
        "-sigfile",
        join(dir, "sig.bin"),
      ]);
      expect(stdout).toContain("Signature Verified Successfully");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
