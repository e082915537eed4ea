/**
 * The day-two refusals (components/config/dayTwoChecks.ts) as the plan prints them: each stack below is parsed as
 * the plan command parses it (parseStackConfig, then formatProblems), and the exact lines a user reads are checked,
 * every one of them, so a refusal that goes missing, moves to another key or appears where it should not fails.
 * Written from StrykerJS's survivors (docs/operations.md#mutation-testing).
 */
import * as fs from "fs";
import { formatProblems, parseStackConfig } from "../components/config";
import { opensslOk, scratch } from "./support/openssl";

const work = scratch();
afterAll(() => work.cleanup());
/** A CA certificate and key from OpenSSL: self-signed, or signed by `issuer`. */
function caPem(cn: string, issuer?: { file: string }): { cert: string; key: string; file: string } {
  const out = work.write(`${cn}.pem`, "");
  const ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
  if (issuer) {
    opensslOk(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${out}.key`, "-out", `${out}.csr`, "-subj", `/CN=${cn}`]);
    opensslOk(["x509", "-req", "-in", `${out}.csr`, "-CA", issuer.file, "-CAkey", `${issuer.file}.key`, "-CAcreateserial", "-out", out, "-days", "365", "-extfile", work.write(`${cn}.ext`, "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")]);
  } else {
    opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${out}.key`, "-out", out, "-days", "3650", "-subj", `/CN=${cn}`, ...ext]);
  }
  return { cert: fs.readFileSync(out, "utf8"), key: fs.readFileSync(`${out}.key`, "utf8"), file: out };
}
const ROOT_PEM = caPem("Brought Root");
const INTER = caPem("Brought Inter", ROOT_PEM);
/** A brought root with its key. */
const BROUGHT_ROOT = { name: "root", commonName: "Brought Root", certificatePem: ROOT_PEM.cert, privateKeyPem: ROOT_PEM.key };

const SUBSCRIPTION = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** The problem lines for a platform stack: the base (a generated root and one intermediate) with `values` over it. */
/** `subscriptionId` null: none set. */
function problems(values: Record<string, unknown>, subscriptionId: string | null = SUBSCRIPTION): string[] {
  const result = parseStackConfig({
    values: {
      resourceGroupName: "rg",
      dps: { name: "my-dps" },
      hubs: [{ name: "my-hub" }],
      ca: { root: { name: "root", commonName: "Root" }, intermediates: [{ name: "inter", commonName: "Inter" }] },
      enrollmentGroups: [{ enrollmentId: "g", caName: "inter" }],
      ...values,
    },
    location: "westeurope",
    subscriptionId: subscriptionId ?? undefined,
    // As Pulumi hands them over: `ca` is a secret the stack decrypted (privateKeyPem inside it).
    decryptedKeys: ["dps-x509:ca"],
  } as Parameters<typeof parseStackConfig>[0]);
  return lines(result);
}

function lines(result: ReturnType<typeof parseStackConfig>): string[] {
  return result.ok ? [] : formatProblems(result.problems).split("\n").filter(Boolean).map((line) => line.replace(/^\s*- dps-x509:/, "").replace(/^\s*- /, ""));
}

const ca = (...intermediates: Array<Record<string, unknown>>) => ({ root: { name: "root", commonName: "Root" }, intermediates });
const inter = (name: string, extra: Record<string, unknown> = {}) => ({ name, commonName: `CN ${name}`, ...extra });

describe("a rotation's new DPS certificate name", () => {
  test("must be a DPS certificate name", () => {
    expect(problems({ ca: ca(inter("inter", { rotation: { step: "stage", name: "inter 2!" } })) })).toEqual([
      'ca.intermediates[0].rotation.name = "inter 2!": allowed: 1–64 letters, digits and - . _, starting with a letter or digit',
    ]);
  });

  test("is not taken by another rotation, whatever its case", () => {
    const stack = { ca: ca(inter("inter", { rotation: { step: "stage", name: "Next-CA" } }), inter("other", { rotation: { step: "stage", name: "next-ca" } })) };
    expect(problems(stack)).toEqual([
      'ca.intermediates[1].rotation.name = "next-ca": is already used at ca.intermediates[0].rotation.name; the new CA needs a new DPS certificate name (the old one stays on the DPS until retire)',
    ]);
  });

  test("a key without its certificate is refused", () => {
    expect(problems({ ca: ca(inter("inter", { rotation: { step: "stage", name: "inter-2", privateKeyPem: "KEY" } })) })).toEqual([
      'ca.intermediates[0].rotation.privateKeyPem = [secret]: is given without certificatePem: bring both, or neither to generate the new CA',
    ]);
  });
});

describe("renewBeforeDays holds for the new CA", () => {
  test("when the new CA keeps the entry's validityDays, the window is refused for it too", () => {
    const stack = { ca: ca(inter("inter", { validityDays: 30, renewBeforeDays: 30, rotation: { step: "stage", name: "inter-2" } })) };
    expect(problems(stack)).toEqual([
      expect.stringMatching(/^ca\.intermediates\[0\]\.renewBeforeDays = 30: /),
      "ca.intermediates[0].renewBeforeDays = 30: must be less than validityDays (30) for the new CA too",
    ]);
  });

  test("a valid window on a new CA that keeps validityDays gives no problem", () => {
    expect(problems({ ca: ca(inter("inter", { validityDays: 60, renewBeforeDays: 30, rotation: { step: "stage", name: "inter-2" } })) })).toEqual([]);
  });

  test("a new CA with validityDays of its own, or brought, is not judged on the entry's: the entry's window is refused once", () => {
    const own = { ca: ca(inter("inter", { validityDays: 30, renewBeforeDays: 30, rotation: { step: "stage", name: "inter-2", validityDays: 90 } })) };
    expect(problems(own)).toEqual([expect.stringMatching(/^ca\.intermediates\[0\]\.renewBeforeDays = 30: (?!.*new CA)/)]);
    const brought = { ca: { root: BROUGHT_ROOT, intermediates: [inter("inter", { validityDays: 30, renewBeforeDays: 30, rotation: { step: "stage", name: "inter-2", certificatePem: INTER.cert, privateKeyPem: INTER.key } })] } };
    expect(problems(brought)).toEqual([expect.stringMatching(/^ca\.intermediates\[0\]\.renewBeforeDays = 30: (?!.*new CA)/)]);
  });

  test("a new CA with validityDays of its own is judged on those, and a valid window gives no problem", () => {
    const stack = { ca: ca(inter("inter", { validityDays: 60, renewBeforeDays: 30, rotation: { step: "stage", name: "inter-2", validityDays: 90 } })) };
    expect(problems(stack)).toEqual([]);
    const shorter = { ca: ca(inter("inter", { validityDays: 60, renewBeforeDays: 30, rotation: { step: "stage", name: "inter-2", validityDays: 20 } })) };
    expect(problems(shorter)).toEqual([expect.stringMatching(/^ca\.intermediates\[0\]\.renewBeforeDays = 30: for the new CA \(ca\.intermediates\[0\]\.rotation\): /)]);
  });
});

describe("the root rotates", () => {
  test("not on a platform with tenants: the message names them", () => {
    const result = problems({
      ca: { root: { name: "root", commonName: "Root", rotation: { step: "stage", name: "root-2" } }, intermediates: [inter("inter", { rotation: { step: "stage", name: "inter-2" } })] },
      tenants: [{ name: "customer-a" }, { name: "customer-b" }],
    });
    expect(result).toContain(
      'ca.root.rotation = "stage": cannot rotate the root of a platform with tenants (customer-a, customer-b) yet: their intermediates are signed by it, read from the output rootCaCertificatePem, and would be re-issued in place under the new root on their next up, stranding their devices; rotate the intermediates instead',
    );
  });

  test("an intermediate that does not rotate with it is named once, for its step", () => {
    const stack = { ca: { root: { name: "root", commonName: "Root", rotation: { step: "stage", name: "root-2" } }, intermediates: [inter("inter")] } };
    expect(problems(stack)).toEqual([
      "ca.intermediates[0].rotation = (missing): must be { step: stage, name: <new name> }: ca.root rotates (step stage), so each intermediate is re-issued under the new root at the same step",
    ]);
  });
});

describe("a root brought without its key", () => {
  const keyless = { name: "root", commonName: "Brought Root", certificatePem: ROOT_PEM.cert, verification: "onUpload" };
  test("an intermediate that does not rotate needs nothing new; the one that rotates must be brought", () => {
    const stack = { ca: { root: keyless, intermediates: [{ name: "inter", commonName: "Brought Inter", certificatePem: INTER.cert, privateKeyPem: INTER.key }, { name: "other", commonName: "Brought Inter", certificatePem: INTER.cert, privateKeyPem: INTER.key, rotation: { step: "stage", name: "other-2" } }] } };
    expect(problems(stack).filter((line) => line.includes(".rotation"))).toEqual([
      "ca.intermediates[1].rotation.certificatePem = (missing): is needed: ca.intermediates[1] is a brought CA, so the CA it rotates to is brought too (its certificatePem, and privateKeyPem as a secret)",
      "ca.intermediates[1].rotation.certificatePem = (missing): is needed: the root was brought without its private key (no privateKeyPem, and ca.root.keyStore is not keyVault), so the new intermediate must be brought too",
    ]);
  });

  test("an intermediate that rotates to a brought certificate needs no key from the root, current or new", () => {
    const broughtRotation = { name: "inter", commonName: "Brought Inter", certificatePem: INTER.cert, privateKeyPem: INTER.key, rotation: { step: "stage", name: "inter-2", certificatePem: INTER.cert, privateKeyPem: INTER.key } };
    const needed = (line: string) => /rotation\.certificatePem = \(missing\)/.test(line);
    expect(problems({ ca: { root: keyless, intermediates: [broughtRotation] } }).filter(needed)).toEqual([]);
    expect(problems({ ca: { root: { ...keyless, rotation: { step: "stage", name: "root-2", certificatePem: ROOT_PEM.cert } }, intermediates: [broughtRotation] } }).filter(needed)).toEqual([]);
  });

  test("rotating to a new root without its key: an intermediate that does not rotate is told to rotate, nothing more", () => {
    const stack = { ca: { root: { ...keyless, rotation: { step: "stage", name: "root-2", certificatePem: ROOT_PEM.cert } }, intermediates: [{ name: "inter", commonName: "Brought Inter", certificatePem: INTER.cert, privateKeyPem: INTER.key }] } };
    expect(problems(stack).filter((line) => line.startsWith("ca.intermediates[0].rotation"))).toEqual([
      "ca.intermediates[0].rotation = (missing): must be { step: stage, name: <new name> }: ca.root rotates (step stage), so each intermediate is re-issued under the new root at the same step",
    ]);
  });
});

describe("the groups' CA slots belong to a rotating CA", () => {
  test("a group naming the new CA in caName, or the rotating CA in secondaryCaName, cannot set secondaryCaName", () => {
    const stack = (group: Record<string, unknown>) => ({
      ca: ca(inter("inter", { rotation: { step: "stage", name: "inter-2" } }), inter("other")),
      enrollmentGroups: [{ enrollmentId: "g", ...group }],
    });
    const refused = (at: string, value: string) => `enrollmentGroups[0].secondaryCaName = "${value}": cannot be set while ${at} rotates: the rotation sets the group's primary and secondary CA; remove secondaryCaName (and name the rotating CA in caName)`;
    expect(problems(stack({ caName: "inter-2", secondaryCaName: "other" }))).toEqual([refused("ca.intermediates[0]", "other")]);
    expect(problems(stack({ caName: "other", secondaryCaName: "inter" }))).toEqual([refused("ca.intermediates[0]", "inter")]);
    // Neither slot on the rotating CA: both slots are the group's own.
    expect(problems(stack({ caName: "other", secondaryCaName: "root" }))).toEqual([]);
  });
});

describe("the rotation's overlap counts against DPS's 25 CA certificates", () => {
  // The root and 23 intermediates, one of them rotating: 24 on the DPS, 25 during the overlap.
  const many = (count: number, step: string | undefined) =>
    Array.from({ length: count }, (_, i) => inter(`inter-${i}`, i === 0 && step ? { rotation: { step, name: "inter-0-next" } } : {}));
  const stack = (count: number, step?: string) => ({ ca: ca(...many(count, step)), enrollmentGroups: [{ enrollmentId: "g", caName: "inter-0" }] });

  test("25 during the overlap is allowed; 26 is refused with the count", () => {
    expect(problems(stack(23, "stage"))).toEqual([]);
    expect(problems(stack(24, "stage"))).toEqual([
      'ca = 26: holds 26 CA certificates on the DPS during the rotation\'s overlap; a DPS holds at most 25: rotate fewer CAs at once',
    ]);
  });

  test("a CA that is not uploaded does not count", () => {
    const notUploaded = { ...stack(24, "stage"), ca: { root: { name: "root", commonName: "Root", upload: false }, intermediates: many(24, "stage") } };
    expect(problems(notUploaded)).toEqual([]);
  });

  test("at retire the old certificate is gone: no overlap", () => {
    expect(problems(stack(24, "retire"))).toEqual([]);
  });

  test("a stack rotating nothing is not told about an overlap", () => {
    expect(problems(stack(25)).filter((line) => line.includes("overlap"))).toEqual([]);
  });
});

describe("adopting needs the subscription id", () => {
  const needed =
    "azure-native:subscriptionId = (missing): is needed to adopt the resource group, hubs and DPS (Pulumi imports them by their ARM id, /subscriptions/<id>/…): `pulumi config set azure-native:subscriptionId <id>` (`az account show --query id`)";
  test("for adoptExisting, an adopted DPS, or one adopted hub among others", () => {
    expect(problems({ adoptExisting: true, ca: { root: { name: "root", commonName: "Root", adopt: false }, intermediates: [inter("inter", { adopt: false })] } }, null)).toContain(needed);
    expect(problems({ dps: { name: "my-dps", adopt: true } }, null)).toEqual([needed]);
    expect(problems({ hubs: [{ name: "my-hub" }, { name: "hub-2", adopt: true }] }, null)).toEqual([needed]);
    expect(problems({ hubs: [{ name: "my-hub" }] }, null)).toEqual([]);
  });

  test("a GUID, whole", () => {
    const notGuid = (id: string) => `azure-native:subscriptionId = "${id}": must be a subscription id (a GUID), as \`az account show --query id\` prints it`;
    for (const id of [`x${SUBSCRIPTION}`, `${SUBSCRIPTION}x`]) expect(problems({ dps: { name: "my-dps", adopt: true } }, id)).toEqual([notGuid(id)]);
    expect(problems({ dps: { name: "my-dps", adopt: true } }, SUBSCRIPTION.toUpperCase())).toEqual([]);
  });
});

describe("adopting a CA needs its certificate", () => {
  const needed = (path: string, name: string) =>
    `${path}.certificatePem = (missing): is needed to adopt "${name}": bring the certificate the DPS holds (matched by thumbprint), and its key as a secret (${path}.privateKeyPem), or set ${path}.adopt to false to upload a new CA`;
  test("adopt: true on the entry, or adoptExisting without adopt: false", () => {
    expect(problems({ ca: ca(inter("inter", { adopt: true })) })).toEqual([needed("ca.intermediates[0]", "inter")]);
    expect(problems({ adoptExisting: true, ca: { root: { name: "root", commonName: "Root", adopt: false }, intermediates: [inter("inter")] } })).toContain(needed("ca.intermediates[0]", "inter"));
  });
});

describe("a tenant stack's intermediates", () => {
  const tenant = (extra: Record<string, unknown>) =>
    lines(
      parseStackConfig({
        values: {
          platform: "my-org/dps-x509/platform",
          tenant: "customer-a",
          ca: { intermediates: [{ name: "intermediate-ca", commonName: "Customer A Intermediate CA", ...extra }] },
          enrollmentGroups: [{ enrollmentId: "devices", caName: "intermediate-ca" }],
        },
      } as Parameters<typeof parseStackConfig>[0]),
    );
  test("do not rotate or adopt there: each refusal says what to do instead", () => {
    expect(tenant({})).toEqual([]);
    expect(tenant({ rotation: { step: "stage", name: "intermediate-ca-2" } })).toEqual([
      'ca.intermediates[0].rotation = "stage": is not supported on a tenant stack yet: rotate by adding the new intermediate as a second entry, naming it in the groups\' secondaryCaName, then swapping and removing the old one',
    ]);
    expect(tenant({ adopt: true })).toEqual([
      "ca.intermediates[0].adopt = true: is not supported on a tenant stack: a certificate with the same thumbprint is taken over anyway; bring it with certificatePem and privateKeyPem",
    ]);
  });
});
