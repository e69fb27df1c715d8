import { createHash } from "node:crypto";
import type { RunResult } from "../../assertions/run-result.ts";

/** in-toto Statement v1 (in-toto/attestation spec/v1/statement.md), carried in a DSSE envelope. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const IN_TOTO_STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** obsconf's own predicate: the facts a release owner signs next to the report's digest. */
export const SIGNOFF_PREDICATE_TYPE = "https://obsconf.dev/attestation/signoff/v1";

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  mediaType?: string;
  annotations?: Record<string, unknown>;
}

export interface SignoffImage {
  component: string;
  image: string;
  runAs: string;
  binaryVersion?: string;
  substitute?: string;
}

export interface SignoffPredicate {
  run: {
    id: string;
    scenario: string;
    profile: string;
    verdict: string;
    startedAt: string;
    finishedAt: string;
    signOff: { eligible: boolean; blockers: string[] };
  };
  /** The deterministic digest over the manifests directory the run was started from. */
  manifests: ResourceDescriptor & { digest: { sha256: string } };
  contract: { version: string };
  obsconf: { version: string };
  runtime: { name: string; reason: string };
  images: SignoffImage[];
}

export interface SignoffStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: (ResourceDescriptor & { digest: { sha256: string } })[];
  predicateType: typeof SIGNOFF_PREDICATE_TYPE;
  predicate: SignoffPredicate;
}

export interface SignoffFacts {
  /** The report's file name as the subject names it (e.g. `run-result.json`). */
  reportName: string;
  /** The report exactly as written: the subject digest is over these bytes. */
  reportBytes: Uint8Array;
  /** The RunResult parsed from those bytes. */
  result: Readonly<RunResult>;
  manifests: { sha256: string; uri?: string; files: number };
  obsconfVersion: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The Statement for one finished run: subject = the report file's digest; predicate = what it ran against. */
export function signoffStatement(facts: SignoffFacts): SignoffStatement {
  const r = facts.result;
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: facts.reportName, digest: { sha256: sha256Hex(facts.reportBytes) }, mediaType: "application/json" }],
    predicateType: SIGNOFF_PREDICATE_TYPE,
    predicate: {
      run: {
        id: r.runId,
        scenario: r.scenario,
        profile: r.profile,
        verdict: r.verdict,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        signOff: { eligible: r.signOff.eligible, blockers: [...r.signOff.blockers] },
      },
      manifests: {
        ...(facts.manifests.uri ? { uri: facts.manifests.uri } : {}),
        digest: { sha256: facts.manifests.sha256 },
        annotations: { files: facts.manifests.files },
      },
      contract: { version: r.contractVersion },
      obsconf: { version: facts.obsconfVersion },
      runtime: { name: r.runtime.name, reason: r.runtime.reason },
      images: r.inventory.map((e) => ({
        component: e.component,
        image: e.image,
        runAs: e.runAs,
        ...(e.binaryVersion !== undefined ? { binaryVersion: e.binaryVersion } : {}),
        ...(e.substitute !== undefined ? { substitute: e.substitute } : {}),
      })),
    },
  };
}

/** Checks a decoded payload is a sign-off Statement; a problem names the field, expected and seen. */
export function parseSignoffStatement(body: Uint8Array): { statement: SignoffStatement } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (error) {
    return { problem: `payload: expected JSON (an in-toto Statement), saw unparsable text (${(error as Error).message})` };
  }
  const s = raw as Partial<SignoffStatement> | null;
  if (s === null || typeof s !== "object") return { problem: "payload: expected an in-toto Statement object" };
  if (s._type !== IN_TOTO_STATEMENT_TYPE) return { problem: `payload _type: expected ${IN_TOTO_STATEMENT_TYPE}, saw ${JSON.stringify(s._type)}` };
  if (s.predicateType !== SIGNOFF_PREDICATE_TYPE)
    return { problem: `payload predicateType: expected ${SIGNOFF_PREDICATE_TYPE}, saw ${JSON.stringify(s.predicateType)}` };
  if (!Array.isArray(s.subject) || s.subject.length === 0) return { problem: "payload subject: expected at least one subject with a digest" };
  for (const [i, subject] of s.subject.entries()) {
    if (typeof subject?.digest?.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(subject.digest.sha256)) {
      return { problem: `payload subject[${i}].digest.sha256: expected 64 lower-case hex digits, saw ${JSON.stringify(subject?.digest?.sha256)}` };
    }
  }
  if (typeof s.predicate !== "object" || s.predicate === null) return { problem: "payload predicate: expected an object" };
  return { statement: s as SignoffStatement };
}
