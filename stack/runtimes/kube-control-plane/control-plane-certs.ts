import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { HarnessError } from "../../../common/errors.ts";

const run = promisify(execFile);

export interface ControlPlaneCerts {
  caCert: string;
  caKey: string;
  /** kube-apiserver's serving certificate, for 127.0.0.1 and localhost. */
  servingCert: string;
  servingKey: string;
  /** An admin client certificate (O=system:masters): the tests' admin and the controllers' identity. */
  adminCert: string;
  adminKey: string;
  /** ServiceAccount token signing key pair. */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/**
 * A throw-away CA and the certificates a loopback control plane needs, made with openssl in `dir`
 * (valid 2 days). Nothing here is trusted by anything but the kubeconfigs the helper writes.
 */
export async function makeControlPlaneCerts(dir: string): Promise<ControlPlaneCerts> {
  const file = (name: string) => path.join(dir, name);
  const certs: ControlPlaneCerts = {
    caCert: file("ca.crt"),
    caKey: file("ca.key"),
    servingCert: file("apiserver.crt"),
    servingKey: file("apiserver.key"),
    adminCert: file("admin.crt"),
    adminKey: file("admin.key"),
    serviceAccountKey: file("sa.key"),
    serviceAccountPub: file("sa.pub"),
  };
  const openssl = async (...args: string[]) => {
    try {
      await run("openssl", args, { cwd: dir });
    } catch (error) {
      throw new HarnessError(
        `openssl ${args[0]} failed while making the control plane's certificates: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`,
        { cause: error },
      );
    }
  };
  await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", certs.caKey, "-out", certs.caCert, "-days", "2", "-subj", "/CN=obsconf-test-ca");
  const signed = async (name: string, subject: string, extensions: string) => {
    const ext = file(`${name}.ext`);
    await writeFile(ext, `${extensions}\n`);
    await openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`), "-subj", subject);
    await openssl(
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      "-CA",
      certs.caCert,
      "-CAkey",
      certs.caKey,
      "-CAcreateserial",
      "-out",
      file(`${name}.crt`),
      "-days",
      "2",
      "-extfile",
      ext,
    );
  };
  await signed("apiserver", "/CN=kube-apiserver", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
  await signed("admin", "/O=system:masters/CN=obsconf-test-admin", "extendedKeyUsage=clientAuth");
  await openssl("genrsa", "-out", certs.serviceAccountKey, "2048");
  await openssl("rsa", "-in", certs.serviceAccountKey, "-pubout", "-out", certs.serviceAccountPub);
  return certs;
}
