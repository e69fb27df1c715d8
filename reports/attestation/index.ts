export {
  preAuthEncoding,
  signEnvelope,
  verifyEnvelope,
  parseEnvelope,
  keyIdOf,
  decodeBase64,
  type DsseEnvelope,
  type DsseSignature,
  type EnvelopeVerification,
} from "./dsse.ts";
export {
  signoffStatement,
  parseSignoffStatement,
  sha256Hex,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  SIGNOFF_PREDICATE_TYPE,
  type SignoffFacts,
  type SignoffPredicate,
  type SignoffStatement,
  type SignoffImage,
  type ResourceDescriptor,
} from "./signoff-statement.ts";
export { attestReport, verifyAttestation, type AttestationVerdict, type VerifyAttestationInput } from "./attest-report.ts";
