import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

/**
 * DSSE v1.0 (secure-systems-lab/dsse, protocol.md and envelope.md): the signature covers
 * PAE(UTF8(payloadType), payload), never the bare payload, so a signature cannot be replayed
 * under another payload type. Crypto over bytes only; no file or network I/O here.
 */
export interface DsseSignature {
  /** Unauthenticated hint naming the key; never used for a security decision. */
  keyid?: string;
  /** Base64 of the raw signature. */
  sig: string;
}

export interface DsseEnvelope {
  /** Base64 of the serialized body. */
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN = ASCII decimal byte length, no leading zeros. */
export function preAuthEncoding(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, "ascii"), type, Buffer.from(` ${body.length} `, "ascii"), body]);
}

/**
 * The key id obsconf writes: hex SHA-256 of the public key's DER SubjectPublicKeyInfo (what
 * `openssl pkey -pubin -outform DER | sha256sum` prints for the same key).
 */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/** Signs `body` with an Ed25519 private key into a one-signature envelope. */
export function signEnvelope(body: Uint8Array, payloadType: string, privateKey: KeyObject): DsseEnvelope {
  if (privateKey.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new TypeError(`signEnvelope: expected an Ed25519 private key, saw a ${privateKey.asymmetricKeyType ?? "symmetric"} ${privateKey.type} key`);
  }
  const sig = sign(null, preAuthEncoding(payloadType, body), privateKey);
  return { payload: Buffer.from(body).toString("base64"), payloadType, signatures: [{ keyid: keyIdOf(privateKey), sig: sig.toString("base64") }] };
}

export type EnvelopeVerification = { valid: true; body: Buffer; payloadType: string; keyid?: string } | { valid: false; reason: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Standard or URL-safe base64 (DSSE: verifiers MUST accept either); undefined when it is neither. */
export function decodeBase64(text: string): Buffer | undefined {
  if (BASE64.test(text)) return Buffer.from(text, "base64");
  if (BASE64URL.test(text) && text.length % 4 !== 1) return Buffer.from(text, "base64url");
  return undefined;
}

/**
 * Verifies an envelope against one trusted Ed25519 public key: valid when at least one signature
 * verifies over PAE(payloadType, payload) (a (1, n) envelope). `keyid` is not consulted.
 */
export function verifyEnvelope(envelope: DsseEnvelope, publicKey: KeyObject): EnvelopeVerification {
  if (publicKey.asymmetricKeyType !== "ed25519") {
    return { valid: false, reason: `expected an Ed25519 public key, saw a ${publicKey.asymmetricKeyType ?? "symmetric"} key` };
  }
  const body = decodeBase64(envelope.payload);
  if (body === undefined) return { valid: false, reason: "the envelope's payload is not base64" };
  const pae = preAuthEncoding(envelope.payloadType, body);
  if (envelope.signatures.length === 0) return { valid: false, reason: "the envelope carries no signature" };
  for (const signature of envelope.signatures) {
    const sig = decodeBase64(signature.sig);
    if (sig === undefined) continue;
    if (verify(null, pae, publicKey, sig))
      return { valid: true, body, payloadType: envelope.payloadType, ...(signature.keyid ? { keyid: signature.keyid } : {}) };
  }
  const n = envelope.signatures.length;
  return {
    valid: false,
    reason: `none of the envelope's ${n} signature${n === 1 ? "" : "s"} verifies with the given public key (key id ${keyIdOf(publicKey)})`,
  };
}

/** Reads an envelope from JSON text; a shape problem is a string naming the field, for InputErrors. */
export function parseEnvelope(text: string): { envelope: DsseEnvelope } | { problem: string; field: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problem: `JSON (${(error as Error).message})`, field: "" };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { problem: "a JSON object (a DSSE envelope)", field: "" };
  const o = raw as Record<string, unknown>;
  if (typeof o.payload !== "string") return { problem: "a base64 string", field: "payload" };
  if (typeof o.payloadType !== "string") return { problem: "a string", field: "payloadType" };
  if (!Array.isArray(o.signatures)) return { problem: "a list of {keyid, sig}", field: "signatures" };
  const signatures: DsseSignature[] = [];
  for (const [i, s] of o.signatures.entries()) {
    if (s === null || typeof s !== "object" || typeof (s as { sig?: unknown }).sig !== "string")
      return { problem: "an object with a base64 sig", field: `signatures[${i}]` };
    const keyid = (s as { keyid?: unknown }).keyid;
    signatures.push({ sig: (s as { sig: string }).sig, ...(typeof keyid === "string" && keyid !== "" ? { keyid } : {}) });
  }
  return { envelope: { payload: o.payload, payloadType: o.payloadType, signatures } };
}
