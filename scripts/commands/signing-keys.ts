import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { InputError } from "../../common/errors.ts";

/** The environment variable naming the sign-off private key file when `--key` is not given. */
export const SIGNING_KEY_ENV = "OBSCONF_SIGNING_KEY";

async function readKeyFile(file: string, what: string, field: string): Promise<string> {
  return readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new InputError({ file, field }, `a readable ${what} (PEM)`, error.code ?? String(error), { cause: error });
  });
}

/** An Ed25519 private key from a PEM file (PKCS#8, as `obsconf keygen` or `openssl genpkey -algorithm ed25519` write it). */
export async function loadPrivateKey(file: string, field = "--key"): Promise<KeyObject> {
  const pem = await readKeyFile(file, "Ed25519 private key", field);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new InputError({ file, field }, "an Ed25519 private key in PEM (PKCS#8)", "no private key PEM", { cause: error });
  }
  if (key.asymmetricKeyType !== "ed25519") throw new InputError({ file, field }, "an Ed25519 private key", `a ${key.asymmetricKeyType} key`);
  return key;
}

/** An Ed25519 public key from a PEM file (SPKI); a private key file is accepted and its public half used. */
export async function loadPublicKey(file: string, field = "--key"): Promise<KeyObject> {
  const pem = await readKeyFile(file, "Ed25519 public key", field);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new InputError({ file, field }, "an Ed25519 public key in PEM (SPKI)", "no public key PEM", { cause: error });
  }
  if (key.asymmetricKeyType !== "ed25519") throw new InputError({ file, field }, "an Ed25519 public key", `a ${key.asymmetricKeyType} key`);
  return key;
}

/** Writes a new Ed25519 key pair: `<prefix>.key` (PKCS#8, mode 0600) and `<prefix>.pub` (SPKI); never overwrites. */
export async function writeKeyPair(prefix: string): Promise<{ privateKeyFile: string; publicKeyFile: string }> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privateKeyFile = `${prefix}.key`;
  const publicKeyFile = `${prefix}.pub`;
  const write = (file: string, text: string, mode: number) =>
    writeFile(file, text, { flag: "wx", mode }).catch((error: NodeJS.ErrnoException) => {
      throw new InputError(
        { file, field: "--out" },
        "a path where no file exists yet (keys are never overwritten)",
        error.code === "EEXIST" ? "an existing file" : (error.code ?? String(error)),
        { cause: error },
      );
    });
  await write(privateKeyFile, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), 0o600);
  await write(publicKeyFile, publicKey.export({ type: "spki", format: "pem" }).toString(), 0o644);
  return { privateKeyFile, publicKeyFile };
}
