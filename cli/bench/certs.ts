/**
 * Certificate signing throughput: device certificates signed per second by
 *   - native: TBSCertificate built natively (certs/tbs.ts), signed with `crypto.sign` (the issuer loaded once);
 *   - forge:  the same certificate signed by forge's own `cert.sign(key, sha256)` (pure JavaScript);
 *   - openssl loop: one `openssl req -new -x509 -CA … -CAkey …` process per certificate, and the
 *     tutorial's two-step `openssl req -new` + `openssl x509 -req -CA … -CAkey …` per certificate;
 * for RSA-2048 and RSA-4096 issuers, in the same run. Also `openssl speed`'s raw RSA sign time,
 * the floor for any path. Goals are reported (pass/fail), not asserted.
 *
 * Run alone: `node -r ./cli/tsRegister.js cli/bench/certs.ts` prints the JSON.
 */
import { execFileSync } from "child_process";
import { sign as cryptoSign } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { md, pki } from "node-forge";
import { createIntermediateCa, createRootCa, generateRsaKeyPair, issueDeviceCertificate, loadIssuer, subjectKeyOf } from "../../certs";
import { randomSerialHex } from "../../certs/validity";

type KeySize = 2048 | 4096;

/** Runs `once` repeatedly for at least `minMs` and `minCount` times (but at most `maxMs`); returns per-second and ms-per-op. */
function measure(once: (i: number) => void, o: { minMs: number; minCount: number; maxMs: number }) {
  once(-1); // warm up (JIT, lazy loading)
  const start = process.hrtime.bigint();
  let count = 0;
  let elapsedMs = 0;
  while (true) {
    once(count);
    count++;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    if ((elapsedMs >= o.minMs && count >= o.minCount) || elapsedMs >= o.maxMs) break;
  }
  return { count, perSecond: round((count * 1000) / elapsedMs), msPerCert: round(elapsedMs / count, 3) };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** `openssl speed`'s RSA private-key operations per second for one size (-mr output "+F2:i:bits:sign/s:verify/s"). */
function opensslSpeedSignMs(keySize: KeySize): number | undefined {
  try {
    const out = execFileSync("openssl", ["speed", "-mr", "-seconds", "1", `rsa${keySize}`], { stdio: ["ignore", "pipe", "pipe"] }).toString();
    const line = out.split("\n").find((l) => l.startsWith("+F2:"));
    const signsPerSecond = line ? Number(line.split(":")[3]) : NaN;
    return Number.isFinite(signsPerSecond) && signsPerSecond > 0 ? round(1000 / signsPerSecond, 3) : undefined;
  } catch {
    return undefined;
  }
}

function benchKeySize(keySize: KeySize, dir: string) {
  const t0 = Date.now();
  const root = createRootCa({ commonName: `Bench Root ${keySize}`, keySize, validityDays: 30 });
  const intermediate = createIntermediateCa({ issuer: root, commonName: `Bench Intermediate ${keySize}`, keySize, validityDays: 30 });
  const device = generateRsaKeyPair(2048); // the subject key does not affect signing cost; one is reused
  const setupMs = Date.now() - t0;

  // native: issuer parsed once (KeyObject kept), subject key converted once
  const issuer = loadIssuer(intermediate);
  const subjectKey = subjectKeyOf(device.publicKey);
  const native = measure((i) => issueDeviceCertificate({ issuer, registrationId: `bench-${i + 1}`, subjectKey, validityDays: 30 }), {
    minMs: 1000,
    minCount: 50,
    maxMs: 4000,
  });
  // crypto.sign alone on a TBS-sized message: the part of `native` that is RSA
  const tbs = Buffer.alloc(900, 7);
  const signOnly = measure(() => cryptoSign("sha256", tbs, issuer.privateKey), { minMs: 500, minCount: 50, maxMs: 2000 });

  // forge: the same profile, built by forge and signed by forge
  const forgeIssuerKey = pki.privateKeyFromPem(intermediate.privateKeyPem);
  const forgeIssuerCert = pki.certificateFromPem(intermediate.certificatePem);
  const forgeSubjectKey = pki.publicKeyFromPem(device.publicKey.export({ type: "spki", format: "pem" }).toString());
  const forgeExtensions = [
    { name: "basicConstraints", critical: true, cA: false },
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", clientAuth: true },
    { name: "subjectKeyIdentifier", subjectKeyIdentifier: subjectKey.keyId.toString("hex") },
    { name: "authorityKeyIdentifier", keyIdentifier: issuer.keyId.toString("binary") },
  ];
  const forge = measure(
    (i) => {
      const cert = pki.createCertificate();
      cert.serialNumber = randomSerialHex();
      cert.validity.notBefore = new Date(Date.now() - 5 * 60 * 1000);
      cert.validity.notAfter = new Date(Date.now() + 30 * 24 * 3600 * 1000);
      cert.setSubject([{ shortName: "CN", value: `bench-${i + 1}` }]);
      cert.setIssuer(forgeIssuerCert.subject.attributes);
      cert.publicKey = forgeSubjectKey;
      cert.setExtensions(forgeExtensions);
      cert.sign(forgeIssuerKey, md.sha256.create());
      pki.certificateToPem(cert);
    },
    { minMs: 1500, minCount: keySize === 4096 ? 4 : 10, maxMs: 6000 },
  );

  // openssl command-line loops, as the tutorial's scripts do (a process per step)
  writeFileSync(join(dir, "ca.pem"), intermediate.certificatePem);
  writeFileSync(join(dir, "ca.key.pem"), intermediate.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, "device.key.pem"), device.privateKeyPem, { mode: 0o600 });
  writeFileSync(
    join(dir, "device.ext"),
    "[v3]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
  );
  const ext = ["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,digitalSignature,keyEncipherment", "-addext", "extendedKeyUsage=clientAuth"];
  const opensslReqX509 = measure(
    (i) =>
      openssl(
        ["req", "-new", "-key", "device.key.pem", "-subj", `/CN=bench-${i + 1}`, "-CA", "ca.pem", "-CAkey", "ca.key.pem", "-days", "30", "-sha256", ...ext, "-out", "device.pem"],
        dir,
      ),
    { minMs: 1500, minCount: 10, maxMs: 5000 },
  );
  const opensslTutorial = measure(
    (i) => {
      openssl(["req", "-new", "-key", "device.key.pem", "-subj", `/CN=bench-${i + 1}`, "-out", "device.csr"], dir);
      openssl(
        ["x509", "-req", "-in", "device.csr", "-CA", "ca.pem", "-CAkey", "ca.key.pem", "-CAcreateserial", "-days", "30", "-sha256", "-extfile", "device.ext", "-extensions", "v3", "-out", "device.pem"],
        dir,
      );
    },
    { minMs: 1500, minCount: 10, maxMs: 5000 },
  );
  const speedSignMs = opensslSpeedSignMs(keySize);

  const vsForge = round(native.perSecond / forge.perSecond);
  const vsOpensslLoop = round(native.perSecond / opensslReqX509.perSecond);
  const vsOpensslTutorial = round(native.perSecond / opensslTutorial.perSecond);
  return {
    setupMs,
    certsPerSecond: {
      native: native.perSecond,
      forge: forge.perSecond,
      opensslReqX509Loop: opensslReqX509.perSecond,
      opensslTutorialLoop: opensslTutorial.perSecond,
    },
    msPerCert: {
      native: native.msPerCert,
      nativeCryptoSignOnly: signOnly.msPerCert,
      forge: forge.msPerCert,
      opensslReqX509Loop: opensslReqX509.msPerCert,
      opensslTutorialLoop: opensslTutorial.msPerCert,
      opensslSpeedSign: speedSignMs,
    },
    samples: { native: native.count, forge: forge.count, opensslReqX509Loop: opensslReqX509.count, opensslTutorialLoop: opensslTutorial.count },
    ratios: {
      nativeVsForge: vsForge,
      nativeVsOpensslLoop: vsOpensslLoop,
      nativeVsOpensslTutorialLoop: vsOpensslTutorial,
      nativeVsOpensslSpeed: speedSignMs ? round(native.msPerCert / speedSignMs, 2) : undefined,
    },
    goals: {
      nativeAtLeast50xForge: vsForge >= 50,
      // against the faster (single-process) openssl loop: the stricter comparison
      nativeAtLeast10xOpensslLoop: vsOpensslLoop >= 10,
      nativeWithin1_5xOpensslSpeed: speedSignMs ? native.msPerCert <= 1.5 * speedSignMs : undefined,
    },
  };
}

/** Runs the signing benchmark; returns JSON-ready figures. Takes about 20–40 s. */
export async function benchCerts(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), "bench-certs-"));
  const started = Date.now();
  try {
    const rsa2048 = benchKeySize(2048, dir);
    const rsa4096 = benchKeySize(4096, dir);
    return {
      what: "device certificates signed per second, by issuer key size",
      node: process.version,
      openssl: execFileSync("openssl", ["version"]).toString().trim(),
      rsa2048,
      rsa4096,
      allGoalsMet: [rsa2048, rsa4096].every((r) => r.goals.nativeAtLeast50xForge && r.goals.nativeAtLeast10xOpensslLoop),
      totalSeconds: round((Date.now() - started) / 1000),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchCerts().then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (e) => {
      process.stderr.write(`bench-certs: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
