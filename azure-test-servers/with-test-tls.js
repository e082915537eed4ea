#!/usr/bin/env node
/**
 * Runs a command (jest) with a throwaway TLS set-up for the local fake Azure servers.
 *
 * Microsoft's SDKs refuse bearer tokens over plain HTTP, so the fake ARM and DPS servers speak HTTPS.
 * Node reads NODE_EXTRA_CA_CERTS only when a process starts, so the CA must exist before jest starts:
 * this wrapper makes a CA and a server certificate in a temporary folder, exports
 *   NODE_EXTRA_CA_CERTS          the CA, trusted by every Node process started below
 *   DPS_X509_TEST_TLS_DIR        the folder with ca.pem, server.pem and server.key.pem for the fake servers
 * and runs the command. The folder is removed afterwards. Keys are made at run time: none is committed.
 */
const { spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const forge = require("node-forge");

function rsaKeyPair() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }),
    forgePrivate: forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" })),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" })),
  };
}

function makeCert({ subjectCn, issuerCn, publicKey, signingKey, isCa, altNames }) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = "01" + crypto.randomBytes(15).toString("hex");
  cert.validity.notBefore = new Date(Date.now() - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 24 * 3600 * 1000);
  cert.setSubject([{ name: "commonName", value: subjectCn }]);
  cert.setIssuer([{ name: "commonName", value: issuerCn }]);
  const extensions = [{ name: "basicConstraints", cA: isCa, critical: true }];
  if (isCa) extensions.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true });
  else {
    extensions.push({ name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({ name: "extKeyUsage", serverAuth: true });
    extensions.push({ name: "subjectAltName", altNames });
  }
  cert.setExtensions(extensions);
  cert.sign(signingKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

function writeTestTls(dir) {
  const ca = rsaKeyPair();
  const server = rsaKeyPair();
  const caPem = makeCert({ subjectCn: "dps-x509 test CA", issuerCn: "dps-x509 test CA", publicKey: ca.forgePublic, signingKey: ca.forgePrivate, isCa: true });
  const serverPem = makeCert({
    subjectCn: "localhost",
    issuerCn: "dps-x509 test CA",
    publicKey: server.forgePublic,
    signingKey: ca.forgePrivate,
    isCa: false,
    altNames: [
      { type: 2, value: "localhost" },
      { type: 7, ip: "127.0.0.1" },
      { type: 2, value: "*.azure-devices-provisioning.net" },
      { type: 2, value: "*.azure-devices.net" },
      { type: 2, value: "management.azure.com" },
      { type: 2, value: "*.vault.azure.net" },
      { type: 2, value: "login.microsoftonline.com" },
    ],
  });
  fs.writeFileSync(path.join(dir, "ca.pem"), caPem);
  fs.writeFileSync(path.join(dir, "server.pem"), serverPem);
  fs.writeFileSync(path.join(dir, "server.key.pem"), server.privatePem, { mode: 0o600 });
}

function main() {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error("usage: with-test-tls.js <command> [args...]");
    process.exit(2);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dps-x509-tls-"));
  try {
    writeTestTls(dir);
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, "ca.pem"), DPS_X509_TEST_TLS_DIR: dir };
    const result = spawnSync(command, args, { stdio: "inherit", env, shell: process.platform === "win32" });
    if (result.error) throw result.error;
    process.exitCode = result.status === null ? 1 : result.status;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
