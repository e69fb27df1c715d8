import type { KeyObject } from "node:crypto";
import type { RunResult } from "../../assertions/run-result.ts";
import { signEnvelope, verifyEnvelope, type DsseEnvelope } from "./dsse.ts";
import { IN_TOTO_PAYLOAD_TYPE, parseSignoffStatement, sha256Hex, signoffStatement, type SignoffFacts, type SignoffStatement } from "./signoff-statement.ts";

/** A DSSE envelope around the sign-off Statement of one report (pure: bytes and keys in, envelope out). */
export function attestReport(facts: SignoffFacts, privateKey: KeyObject): { envelope: DsseEnvelope; statement: SignoffStatement } {
  const statement = signoffStatement(facts);
  const envelope = signEnvelope(Buffer.from(`${JSON.stringify(statement)}\n`, "utf8"), IN_TOTO_PAYLOAD_TYPE, privateKey);
  return { envelope, statement };
}

export type AttestationVerdict = { ok: true; statement: SignoffStatement; keyid?: string; checked: string[] } | { ok: false; reason: string };

export interface VerifyAttestationInput {
  reportBytes: Uint8Array;
  envelope: DsseEnvelope;
  publicKey: KeyObject;
  /** When given, the predicate's manifests digest must equal it (the manifests a verifier has at hand). */
  manifestsSha256?: string;
}

/**
 * DSSE verification first (signature over PAE with a trusted key, payload type), then the
 * Statement: the report's bytes must hash to a subject digest, and the predicate must describe
 * this report (run id, contract version); optionally the manifests digest must match.
 */
export function verifyAttestation(input: VerifyAttestationInput): AttestationVerdict {
  const checked: string[] = [];
  const dsse = verifyEnvelope(input.envelope, input.publicKey);
  if (!dsse.valid) return { ok: false, reason: `signature: ${dsse.reason}` };
  checked.push(`signature: Ed25519 over DSSE PAE verifies with key ${dsse.keyid ?? "(no key id in the envelope)"}`);
  if (dsse.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return { ok: false, reason: `payloadType: expected ${IN_TOTO_PAYLOAD_TYPE}, saw ${JSON.stringify(dsse.payloadType)}` };
  const parsed = parseSignoffStatement(dsse.body);
  if ("problem" in parsed) return { ok: false, reason: parsed.problem };
  const statement = parsed.statement;
  const digest = sha256Hex(input.reportBytes);
  const subject = statement.subject.find((s) => s.digest.sha256 === digest);
  if (subject === undefined) {
    return {
      ok: false,
      reason: `report digest: the report's sha256 is ${digest}, the signed subject${statement.subject.length === 1 ? " is" : "s are"} ${statement.subject.map((s) => `${s.name ?? "_"} ${s.digest.sha256}`).join(", ")}: the report was changed after signing, or this is another report`,
    };
  }
  checked.push(`report digest: sha256 ${digest} matches subject ${subject.name ?? "_"}`);
  let result: Partial<RunResult>;
  try {
    result = JSON.parse(Buffer.from(input.reportBytes).toString("utf8")) as Partial<RunResult>;
  } catch (error) {
    return { ok: false, reason: `report: its digest matches but it is not JSON (${(error as Error).message})` };
  }
  const p = statement.predicate;
  if (p.run?.id !== result.runId)
    return { ok: false, reason: `predicate run.id: expected the report's run id ${JSON.stringify(result.runId)}, saw ${JSON.stringify(p.run?.id)}` };
  if (p.contract?.version !== result.contractVersion)
    return {
      ok: false,
      reason: `predicate contract.version: expected the report's ${JSON.stringify(result.contractVersion)}, saw ${JSON.stringify(p.contract?.version)}`,
    };
  checked.push(
    `predicate: run ${p.run.id}, contract ${p.contract.version}, obsconf ${p.obsconf?.version}, runtime ${p.runtime?.name}, ${p.images?.length ?? 0} images`,
  );
  if (input.manifestsSha256 !== undefined) {
    if (p.manifests?.digest?.sha256 !== input.manifestsSha256) {
      return {
        ok: false,
        reason: `manifests digest: the given manifests hash to ${input.manifestsSha256}, the signed predicate names ${p.manifests?.digest?.sha256 ?? "none"}`,
      };
    }
    checked.push(`manifests digest: sha256 ${input.manifestsSha256} matches`);
  }
  return { ok: true, statement, ...(dsse.keyid ? { keyid: dsse.keyid } : {}), checked };
}
