import { keyIdOf } from "../../reports/attestation/index.ts";
import { loadPublicKey, writeKeyPair } from "./signing-keys.ts";

/** `obsconf keygen --out <prefix>`: a new Ed25519 key pair for signing sign-off reports. */
export async function keygenCommand(options: { out: string }): Promise<number> {
  const { privateKeyFile, publicKeyFile } = await writeKeyPair(options.out);
  const keyid = keyIdOf(await loadPublicKey(publicKeyFile));
  process.stdout.write(`private key: ${privateKeyFile} (mode 0600; keep it out of the repository)\npublic key:  ${publicKeyFile}\nkey id:      ${keyid}\n`);
  return 0;
}
