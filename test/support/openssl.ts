/**
 * Test helper: run the OpenSSL command line on PEM strings in a temporary folder, so tests take
 * their expectations from OpenSSL rather than from the code under test.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `openssl ...args` in `cwd`; never throws on a non-zero exit. */
export function openssl(args: string[], o: { cwd?: string; input?: string | Buffer } = {}): OpensslResult {
  const r = spawnSync("openssl", args, { cwd: o.cwd, input: o.input, maxBuffer: 16 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "" };
}

/** Runs openssl and returns stdout; throws with stderr when it fails. */
export function opensslOk(args: string[], o: { cwd?: string; input?: string | Buffer } = {}): string {
  const r = openssl(args, o);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A scratch folder with the given files written in it; call `cleanup` when done. */
export function scratch(files: Record<string, string> = {}): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "dps-x509-test-"));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `openssl verify -x509_strict -CAfile root -untrusted intermediates leaf` (+ extra flags); returns the result. */
export function verifyChain(o: { root: string; intermediates?: string[]; leaf: string; extra?: string[] }): OpensslResult {
  const s = scratch({ "root.pem": o.root, "leaf.pem": o.leaf });
  try {
    const args = ["verify", "-x509_strict", "-CAfile", "root.pem"];
    if (o.intermediates?.length) {
      s.write("untrusted.pem", o.intermediates.join(""));
      args.push("-untrusted", "untrusted.pem");
    }
    args.push(...(o.extra ?? []), "leaf.pem");
    return openssl(args, { cwd: s.dir });
  } finally {
    s.cleanup();
  }
}

/** `openssl x509 -text -noout` of a PEM certificate. */
export function x509Text(pem: string): string {
  return opensslOk(["x509", "-text", "-noout", "-nameopt", "utf8,sep_comma_plus"], { input: pem });
}

/** One `openssl x509 -noout -<field>` value, e.g. field "serial" → the text after "serial=". */
export function x509Field(pem: string, flag: string[]): string {
  const out = opensslOk(["x509", "-noout", ...flag], { input: pem }).trim();
  return out.slice(out.indexOf("=") + 1);
}

/** notBefore / notAfter as OpenSSL prints them, parsed to Dates. */
export function x509Dates(pem: string): { notBefore: Date; notAfter: Date } {
  const out = opensslOk(["x509", "-noout", "-startdate", "-enddate"], { input: pem });
  const get = (name: string) => new Date(out.split("\n").find((l) => l.startsWith(`${name}=`))!.slice(name.length + 1));
  return { notBefore: get("notBefore"), notAfter: get("notAfter") };
}

/** Subject CN via OpenSSL, raw UTF-8 (no RFC 2253 or control-character escaping; CNs here carry no control characters). */
export function x509SubjectCn(pem: string): string {
  const out = opensslOk(["x509", "-noout", "-subject", "-nameopt", "utf8,sep_multiline,lname"], { input: pem });
  const line = out.split("\n").find((l) => l.trim().startsWith("commonName="));
  return line ? line.trim().slice("commonName=".length) : "";
}

/** The extension block of `x509 -text` for one extension title, e.g. "X509v3 Basic Constraints". */
export function extensionBlock(text: string, title: string): { critical: boolean; value: string } | undefined {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.trim().startsWith(`${title}:`));
  if (i < 0) return undefined;
  return { critical: /critical/.test(lines[i]), value: (lines[i + 1] ?? "").trim() };
}

/** SHA-1 over the RSA public key's PKCS#1 DER (RFC 5280 method-1 key id), computed with OpenSSL alone. */
export function opensslRsaKeyId(certPem: string): string {
  const pub = opensslOk(["x509", "-noout", "-pubkey"], { input: certPem });
  const r = spawnSync("openssl", ["rsa", "-pubin", "-RSAPublicKey_out", "-outform", "DER"], { input: pub });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  const dgst = opensslOk(["dgst", "-sha1", "-r"], { input: r.stdout });
  return dgst.split(" ")[0].toUpperCase();
}
