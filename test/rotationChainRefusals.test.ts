/**
 * The CA chain a rotation will declare (components/config/rotationChain.ts), as the plan prints its problems: each
 * new CA is judged at its rotation's keys, once, and the current chain's problems are not repeated there. The
 * stacks are parsed as the plan command parses them (parseStackConfig, then formatProblems); every line is checked.
 * Written from StrykerJS's survivors (docs/operations.md#mutation-testing).
 */
import * as fs from "fs";
import { formatProblems, parseStackConfig } from "../components/config";
import { opensslOk, scratch } from "./support/openssl";

function problems(ca: Record<string, unknown>): string[] {
  const result = parseStackConfig({
    values: { resourceGroupName: "rg", dps: { name: "my-dps" }, hubs: [{ name: "my-hub" }], ca, enrollmentGroups: [{ enrollmentId: "g", caName: "inter" }] },
    location: "westeurope",
    decryptedKeys: ["dps-x509:ca"],
  });
  return result.ok ? [] : formatProblems(result.problems).split("\n").filter(Boolean).map((line) => line.replace(/^\s*- dps-x509:/, ""));
}

const root = (extra: Record<string, unknown> = {}) => ({ name: "root", commonName: "Root", ...extra });
const inter = (name: string, extra: Record<string, unknown> = {}) => ({ name, commonName: `CN ${name}`, ...extra });
const sameSubject = (subject: string, first: string) => `has the same subject (CN=${subject}) as ${first}: a CA named like its issuer looks self-issued and breaks chain building; give each CA of the chain its own commonName`;

test("a new intermediate named like the root is refused at its rotation, naming the root it collides with", () => {
  expect(problems({ root: root(), intermediates: [inter("inter", { rotation: { step: "stage", name: "inter-2", commonName: "Root" } })] })).toEqual([
    `ca.intermediates[0].rotation.commonName = "Root": ${sameSubject("Root", "ca.root")}`,
  ]);
});

test("when the root rotates, a new intermediate named like the new root names the new root", () => {
  const ca = { root: root({ rotation: { step: "stage", name: "root-2", commonName: "Root 2" } }), intermediates: [inter("inter", { rotation: { step: "stage", name: "inter-2", commonName: "Root 2" } })] };
  expect(problems(ca)).toEqual([`ca.intermediates[0].rotation.commonName = "Root 2": ${sameSubject("Root 2", "ca.root.rotation")}`]);
});

test("the new root's own validityDays: its renewal window is refused at ca.root.renewBeforeDays, for the new CA", () => {
  const ca = { root: root({ validityDays: 3650, renewBeforeDays: 100, rotation: { step: "stage", name: "root-2", validityDays: 90 } }), intermediates: [inter("inter", { validityDays: 30, rotation: { step: "stage", name: "inter-2" } })] };
  expect(problems(ca)).toEqual([expect.stringMatching(/^ca\.root\.renewBeforeDays = 100: for the new CA \(ca\.root\.rotation\): /)]);
});

test("a problem of the current chain is reported once, not again for the rotation", () => {
  const ca = { root: root({ validityDays: 100, renewBeforeDays: 100 }), intermediates: [inter("inter", { validityDays: 30, rotation: { step: "stage", name: "inter-2" } })] };
  expect(problems(ca)).toEqual([expect.stringMatching(/^ca\.root\.renewBeforeDays = 100: /)]);
});

test("the eleventh intermediate's new CA: its window is refused at its own entry, once", () => {
  const intermediates = Array.from({ length: 11 }, (_, i) => inter(i === 0 ? "inter" : `inter-${i}`));
  intermediates[10] = inter("inter-10", { validityDays: 60, renewBeforeDays: 30, rotation: { step: "stage", name: "inter-10-next", validityDays: 20 } });
  expect(problems({ root: root(), intermediates })).toEqual([expect.stringMatching(/^ca\.intermediates\[10\]\.renewBeforeDays = 30: for the new CA \(ca\.intermediates\[10\]\.rotation\): /)]);
});

test("an intermediate rotating to a brought certificate under the generated root that exists already is not told it cannot chain", () => {
  const work = scratch();
  try {
    const out = work.write("inter-2.pem", "");
    opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${out}.key`, "-out", out, "-days", "365", "-subj", "/CN=Inter 2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    const rotation = { step: "stage", name: "inter-2", certificatePem: fs.readFileSync(out, "utf8"), privateKeyPem: fs.readFileSync(`${out}.key`, "utf8") };
    expect(problems({ root: root(), intermediates: [inter("inter", { rotation })] })).toEqual([]);
  } finally {
    work.cleanup();
  }
});

describe("brought CAs", () => {
  const work = scratch();
  afterAll(() => work.cleanup());
  /** `ca` false: a certificate that is no CA. */
  function pem(cn: string, ca = true): { certificatePem: string; privateKeyPem: string } {
    const out = work.write(`${cn}.pem`, "");
    const ext = ca ? ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"] : ["-addext", "basicConstraints=critical,CA:FALSE"];
    opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${out}.key`, "-out", out, "-days", "3650", "-subj", `/CN=${cn}`, ...ext]);
    return { certificatePem: fs.readFileSync(out, "utf8"), privateKeyPem: fs.readFileSync(`${out}.key`, "utf8") };
  }

  test("the current root's own problem is reported once, not again for a rotating intermediate", () => {
    const ca = { root: root({ commonName: "Not A CA", ...pem("Not A CA", false) }), intermediates: [inter("inter", { rotation: { step: "stage", name: "inter-2" } })] };
    expect(problems(ca)).toEqual([expect.stringMatching(/^ca\.root\.certificatePem = "-----BEGIN CERTIFICATE-----…": certificate is not a CA certificate/)]);
  });

  test("a new root that cannot be read: the new intermediate's issuer problem is at the new root's certificate", () => {
    const current = pem("Brought Root");
    const ca = {
      root: root({ commonName: "Brought Root", ...current, rotation: { step: "stage", name: "root-2", certificatePem: "not a certificate", privateKeyPem: current.privateKeyPem } }),
      intermediates: [inter("inter", { commonName: "Inter", ...pem("Inter"), rotation: { step: "stage", name: "inter-2", ...pem("Inter 2") } })],
    };
    expect(problems(ca).filter((line) => /issuer certificate PEM could not be parsed/.test(line))).toEqual([expect.stringMatching(/^ca\.root\.rotation\.certificatePem = /)]);
  });
});
