/**
 * components/config/dayTwoChecks.ts with a brought root whose key is in Key Vault, checked in process (the plan
 * command's test is test/planDayTwo.test.ts): where a CA's key lives is privateKeyPem or keyStore keyVault.
 */
import { formatProblems, parseStackConfig } from "../components/config";
import { opensslOk, scratch } from "./support/openssl";

const work = scratch();
afterAll(() => work.cleanup());
const rootPem = (cn: string) => {
  const out = work.write(`${cn}.pem`, "");
  opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${out}.key`, "-out", out, "-days", "3650", "-subj", `/CN=${cn}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  return { cert: require("fs").readFileSync(out, "utf8") as string, key: require("fs").readFileSync(`${out}.key`, "utf8") as string };
};
const ROOT = rootPem("Brought Root");
const NEW_ROOT = rootPem("Brought Root 2");

function problems(root: Record<string, unknown>): string[] {
  const result = parseStackConfig({
    values: {
      resourceGroupName: "rg",
      dps: { name: "my-dps" },
      hubs: [{ name: "my-hub" }],
      keyVault: { name: "my-vault", create: false },
      ca: { root: { name: "root", commonName: "Brought Root", certificatePem: ROOT.cert, ...root }, intermediates: [{ name: "inter", commonName: "Inter", rotation: { step: "stage", name: "inter-2" } }] },
      enrollmentGroups: [{ enrollmentId: "g", caName: "inter" }],
    },
    location: "westeurope",
    // As Pulumi hands them over: `ca` is a secret the stack decrypted (privateKeyPem inside it).
    decryptedKeys: ["dps-x509:ca"],
  });
  return result.ok ? [] : formatProblems(result.problems).split("\n").filter(Boolean).map((line) => line.replace(/^\s*- dps-x509:/, ""));
}

test("an intermediate rotates under a brought root whose key is in the vault, or given; not under one without its key", () => {
  expect(problems({ keyStore: "keyVault" })).toEqual([]);
  expect(problems({ privateKeyPem: ROOT.key })).toEqual([]);
  // Without its key (and no proof of possession asked): the current and the new intermediate must both be brought.
  expect(problems({ verification: "onUpload" })).toEqual([
    expect.stringMatching(/^ca\.intermediates\[0\] = "inter": cannot be generated: the root was brought without its private key/),
    expect.stringMatching(/^ca\.intermediates\[0\]\.rotation\.certificatePem = \(missing\): is needed: the root was brought without its private key \(no privateKeyPem, and ca\.root\.keyStore is not keyVault\)/),
  ]);
});

test("the root rotates to a brought root: its key in the vault or given proves possession and signs; neither is refused", () => {
  const rotation = (extra: Record<string, unknown> = {}) => ({ rotation: { step: "stage", name: "root-2", certificatePem: NEW_ROOT.cert, ...extra } });
  expect(problems({ keyStore: "keyVault", ...rotation() })).toEqual([]);
  expect(problems({ privateKeyPem: ROOT.key, ...rotation({ privateKeyPem: NEW_ROOT.key }) })).toEqual([]);
  expect(problems({ privateKeyPem: ROOT.key, ...rotation() })).toEqual([
    expect.stringMatching(/^ca\.root\.rotation\.privateKeyPem = \(missing\): is needed for proof of possession of "root-2"; give the key \(as a secret\), import it into the stack's Key Vault \(ca\.root\.keyStore: keyVault\), or set ca\.root\.verification to onUpload$/),
    expect.stringMatching(/^ca\.intermediates\[0\]\.rotation\.certificatePem = \(missing\): is needed: the new root \(ca\.root\.rotation\) is brought without its private key/),
  ]);
  // Uploaded without proof of possession, a brought new root needs no key for the DPS, but still one to sign.
  expect(problems({ privateKeyPem: ROOT.key, verification: "onUpload", ...rotation() })).toEqual([expect.stringMatching(/^ca\.intermediates\[0\]\.rotation\.certificatePem = \(missing\)/)]);
});
