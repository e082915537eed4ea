/**
 * The stand-ins for `pulumi stack output --json` in examples/ (what tenant plans, CI and the docs read as the
 * platform's or a tenant's outputs) hold exactly what the real program exports for that stack: the same output
 * names, and the same value wherever the plan knows it. Values only Azure assigns (subscription, ID scope) and values
 * known after `up` (certificates) are checked for consistency among themselves instead. Without this, a stand-in
 * built from the names the code under test reads goes stale as soon as the program exports something new.
 */
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { plan, planJsonOf, ROOT } from "./planCommand";

const example = (name: string) => path.join(ROOT, "examples", name);
const tenantOutputs = ["a", "b"].flatMap((t) => ["--tenant-outputs", `my-org/dps-x509/tenant-customer-${t}=${example(`tenant-customer-${t}-outputs.json`)}`]);

/** Each stand-in and the plan of the stack (and the moment) it stands for. */
const CASES: Array<[file: string, argv: string[]]> = [
  ["platform-outputs.json", ["--stack", "platform"]],
  ["platform-outputs.signed.json", ["--stack", "platform", ...tenantOutputs]],
  ["tenant-customer-a-outputs.json", ["--stack", "tenant-customer-a", "--platform-outputs", example("platform-outputs.json")]],
  ["tenant-customer-b-outputs.json", ["--stack", "tenant-customer-b", "--platform-outputs", example("platform-outputs.json")]],
];

/** Outputs Azure assigns: the plan shows placeholders for them. */
const AZURE_ASSIGNED = new Set(["subscriptionId", "idScope"]);
const KNOWN_AFTER_UP = "(known after up)";

test.each(CASES)("examples/%s holds what the program exports for its stack", async (file, argv) => {
  const standIn = JSON.parse(fs.readFileSync(example(file), "utf8")) as Record<string, unknown>;
  const run = await plan([...argv, "--json"]);
  expect(run.stderr).toBe("");
  const outputs = planJsonOf(run)!.outputs;
  expect(Object.keys(standIn).sort()).toEqual(Object.keys(outputs).sort());
  for (const [name, value] of Object.entries(outputs)) {
    if (value === KNOWN_AFTER_UP || value === "[secret]" || AZURE_ASSIGNED.has(name)) continue;
    expect({ [name]: standIn[name] }).toEqual({ [name]: value });
  }
});

test.each(CASES)("the certificates in examples/%s agree with their thumbprints, dates and names", (file) => {
  const standIn = JSON.parse(fs.readFileSync(example(file), "utf8")) as Record<string, any>;
  const certificates = standIn.caCertificates as Record<string, string>;
  expect(Object.keys(standIn.caThumbprints).sort()).toEqual(Object.keys(certificates).sort());
  expect(Object.keys(standIn.caNotAfter).sort()).toEqual(Object.keys(certificates).sort());
  for (const [caName, pem] of Object.entries(certificates)) {
    const certificate = new X509Certificate(pem);
    expect(standIn.caThumbprints[caName]).toBe(certificate.fingerprint.replace(/:/g, ""));
    expect(standIn.caNotAfter[caName]).toBe(new Date(certificate.validTo).toISOString());
  }
  if (standIn.rootCaCertificatePem !== undefined) {
    const root = new X509Certificate(standIn.rootCaCertificatePem);
    for (const signed of Object.values((standIn.tenantCertificates ?? {}) as Record<string, Record<string, string>>).flatMap(Object.values)) {
      expect(new X509Certificate(signed).verify(root.publicKey)).toBe(true);
    }
  }
});
