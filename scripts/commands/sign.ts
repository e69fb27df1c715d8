import { writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../../common/errors.ts";
import { attestReport, keyIdOf } from "../../reports/attestation/index.ts";
import { manifestsDigest } from "../../stack/manifest/manifests-digest.ts";
import { OBSCONF_VERSION } from "../../stack/obsconf-version.ts";
import { parseReport, readReport } from "./read-run-result.ts";
import { loadPrivateKey, SIGNING_KEY_ENV } from "./signing-keys.ts";

export interface SignReportOptions {
  /** The JSON report (`run-result.json`) exactly as written. */
  reportFile: string;
  /** Ed25519 private key PEM; default: the file named by $OBSCONF_SIGNING_KEY. */
  keyFile?: string;
  /** The manifests the run was started from (their digest goes into the predicate). */
  manifestsDir: string;
  /** Where the envelope goes; default: the report's path with `.json` replaced by `.intoto.json`. */
  outFile?: string;
}

export interface SignedReport {
  envelopeFile: string;
  reportSha256: string;
  manifestsSha256: string;
  keyid: string;
}

/** Default envelope path: `run-result.json` -> `run-result.intoto.json`. */
export function envelopePathFor(reportFile: string): string {
  return reportFile.endsWith(".json") ? `${reportFile.slice(0, -".json".length)}.intoto.json` : `${reportFile}.intoto.json`;
}

/**
 * Signs a finished report: a DSSE envelope (payloadType application/vnd.in-toto+json) around an
 * in-toto Statement whose subject is the report's sha256. `run signoff` calls this after
 * `writeReports`; `obsconf sign` calls it for a report written earlier. Never overwrites an envelope.
 */
export async function signReportFile(options: SignReportOptions): Promise<SignedReport> {
  const keyFile = options.keyFile ?? process.env[SIGNING_KEY_ENV];
  if (keyFile === undefined || keyFile === "") {
    throw new InputError(
      { file: "command line", field: "--key" },
      `an Ed25519 private key file (--key FILE or $${SIGNING_KEY_ENV}; make one with 'obsconf keygen --out signoff')`,
      "neither",
    );
  }
  const privateKey = await loadPrivateKey(keyFile, options.keyFile ? "--key" : `$${SIGNING_KEY_ENV}`);
  const reportBytes = await readReport(options.reportFile);
  const result = parseReport(options.reportFile, reportBytes);
  const manifests = await manifestsDigest(options.manifestsDir);
  const { envelope, statement } = attestReport(
    {
      reportName: path.basename(options.reportFile),
      reportBytes,
      result,
      manifests: { sha256: manifests.sha256, files: manifests.files },
      obsconfVersion: OBSCONF_VERSION,
    },
    privateKey,
  );
  const envelopeFile = options.outFile ?? envelopePathFor(options.reportFile);
  await writeFile(envelopeFile, `${JSON.stringify(envelope, null, 2)}\n`, { flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(
      { file: envelopeFile, field: "--out" },
      "a path where no envelope exists yet (signatures are never overwritten)",
      error.code === "EEXIST" ? "an existing file" : (error.code ?? String(error)),
      { cause: error },
    );
  });
  return { envelopeFile, reportSha256: statement.subject[0]!.digest.sha256, manifestsSha256: manifests.sha256, keyid: keyIdOf(privateKey) };
}

/** `obsconf sign <report>`: exit 0 when the envelope was written. */
export async function signCommand(reportFile: string, options: { key?: string; manifests: string; out?: string }): Promise<number> {
  const signed = await signReportFile({
    reportFile,
    manifestsDir: options.manifests,
    ...(options.key ? { keyFile: options.key } : {}),
    ...(options.out ? { outFile: options.out } : {}),
  });
  process.stdout.write(
    [
      `signed ${reportFile}`,
      `  subject sha256:   ${signed.reportSha256}`,
      `  manifests sha256: ${signed.manifestsSha256}`,
      `  key id:           ${signed.keyid}`,
      `  envelope:         ${signed.envelopeFile}`,
      "",
    ].join("\n"),
  );
  return 0;
}
