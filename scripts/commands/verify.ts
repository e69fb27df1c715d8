import { readFile } from "node:fs/promises";
import { InputError } from "../../common/errors.ts";
import { parseEnvelope, verifyAttestation } from "../../reports/attestation/index.ts";
import { manifestsDigest } from "../../stack/manifest/manifests-digest.ts";
import { readReport } from "./read-run-result.ts";
import { envelopePathFor } from "./sign.ts";
import { loadPublicKey } from "./signing-keys.ts";

export interface VerifyCommandOptions {
  key: string;
  sig?: string;
  /** When given, the signed manifests digest must match this directory's. */
  manifests?: string;
}

/**
 * `obsconf verify <report>`: exit 0 when the envelope's signature verifies with `--key` and the
 * report's bytes hash to the signed subject; 1 (with the reason) when either does not; 2 when an
 * input cannot be read or is not an envelope or a key.
 */
export async function verifyCommand(reportFile: string, options: VerifyCommandOptions): Promise<number> {
  const envelopeFile = options.sig ?? envelopePathFor(reportFile);
  const publicKey = await loadPublicKey(options.key);
  const reportBytes = await readReport(reportFile);
  const text = await readFile(envelopeFile, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new InputError(
      { file: envelopeFile, field: options.sig ? "--sig" : "envelope (default: <report>.intoto.json)" },
      "a readable DSSE envelope",
      error.code ?? String(error),
      { cause: error },
    );
  });
  const parsed = parseEnvelope(text);
  if ("problem" in parsed) throw new InputError({ file: envelopeFile, field: parsed.field }, parsed.problem, "something else");
  const manifestsSha256 = options.manifests ? (await manifestsDigest(options.manifests)).sha256 : undefined;
  const verdict = verifyAttestation({ reportBytes, envelope: parsed.envelope, publicKey, ...(manifestsSha256 ? { manifestsSha256 } : {}) });
  if (!verdict.ok) {
    process.stdout.write(`verification FAILED: ${reportFile} with ${envelopeFile}\n  ${verdict.reason}\n`);
    return 1;
  }
  const p = verdict.statement.predicate;
  process.stdout.write(
    [
      `verified: ${reportFile} with ${envelopeFile}`,
      ...verdict.checked.map((line) => `  ${line}`),
      `  run ${p.run.id}: ${p.run.scenario}, profile ${p.run.profile}, verdict ${p.run.verdict}, sign-off ${p.run.signOff.eligible ? "eligible" : "not eligible"}`,
      `  manifests sha256 ${p.manifests.digest.sha256}${options.manifests ? "" : " (not compared: pass --manifests DIR to compare)"}`,
      "",
    ].join("\n"),
  );
  return 0;
}
