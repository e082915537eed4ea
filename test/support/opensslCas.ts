/**
 * Test helper: a root CA, an intermediate it signed and device certificates, made by the OpenSSL command line (not
 * by the code under test), with Azure's thumbprint of each as OpenSSL computes it.
 */
import * as fs from "fs";
import * as path from "path";
import { opensslOk, scratch } from "./openssl";

export interface OpensslCas {
  rootPem: string;
  rootKeyPem: string;
  intermediatePem: string;
  intermediateKeyPem: string;
  /** A device certificate (CN = the name) signed by the intermediate. */
  device(name: string): string;
}

/** SHA-1 thumbprint (upper-case hex, no colons) of a PEM, by `openssl x509 -fingerprint -sha1`. */
export function opensslThumbprint(pem: string): string {
  return opensslOk(["x509", "-noout", "-fingerprint", "-sha1"], { input: pem }).trim().replace(/^.*=/, "").replace(/:/g, "");
}

const LEAF_EXTENSIONS = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n";

export function opensslCas(rootCn = "Policy Test Root", intermediateCn = "Policy Test Intermediate"): OpensslCas {
  const s = scratch({
    "ca.cnf": "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
  });
  const run = (args: string[]) => opensslOk(args, { cwd: s.dir });
  const read = (name: string) => fs.readFileSync(path.join(s.dir, name), "utf8");
  try {
    run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem", "-days", "400", "-subj", `/CN=${rootCn}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr", "-subj", `/CN=${intermediateCn}`]);
    run(["x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-out", "int.pem", "-days", "300", "-extfile", "ca.cnf"]);
    const cas = { rootPem: read("root.pem"), rootKeyPem: read("root.key"), intermediatePem: read("int.pem"), intermediateKeyPem: read("int.key") };
    run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "device.key"]);
    const deviceKey = read("device.key");
    const devices = new Map<string, string>();
    const device = (name: string) => {
      if (!devices.has(name)) {
        const d = scratch({ "int.pem": cas.intermediatePem, "int.key": cas.intermediateKeyPem, "leaf.cnf": LEAF_EXTENSIONS, "device.key": deviceKey });
        try {
          opensslOk(["req", "-new", "-key", "device.key", "-out", "d.csr", "-subj", `/CN=${name}`], { cwd: d.dir });
          opensslOk(["x509", "-req", "-in", "d.csr", "-CA", "int.pem", "-CAkey", "int.key", "-CAcreateserial", "-out", "d.pem", "-days", "200", "-extfile", "leaf.cnf"], { cwd: d.dir });
          devices.set(name, fs.readFileSync(path.join(d.dir, "d.pem"), "utf8"));
        } finally {
          d.cleanup();
        }
      }
      return devices.get(name)!;
    };
    return { ...cas, device };
  } finally {
    s.cleanup();
  }
}
