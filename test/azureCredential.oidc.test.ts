/**
 * The program's own Azure sign-in (components/azure/credential.ts) with the OIDC token azure-native is given under
 * Pulumi Deployments (ARM_USE_OIDC, ARM_CLIENT_ID, ARM_TENANT_ID, ARM_OIDC_TOKEN or ARM_OIDC_TOKEN_FILE_PATH):
 * Microsoft's ClientAssertionCredential exchanges it at the local Entra stand-in, which checks the client-assertion
 * grant as Entra does.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { azureCredential, describeSignIn, oidcSignIn } from "../components/azure/credential";
import { FakeEntraTokenServer, verifyAccessToken } from "../azure-test-servers/entraTokenServer";
import { federatedToken, JWT_BEARER_ASSERTION_TYPE, startEntraAuthority, type EntraAuthority } from "../azure-test-servers/entraAuthority";
import { routeHostsToLoopback, uninstallLoopbackRouting } from "../azure-test-servers/loopbackRouting";

const CLIENT_ID = "22222222-0000-0000-0000-00000000c1d0";
const SP_OBJECT_ID = "33333333-0000-0000-0000-0000000005b0";
const PULUMI_ISSUER = "https://api.pulumi.com/oidc";
const SUBJECT = "pulumi:deploy:org:my-org:project:dps-x509:stack:platform:operation:update:scope:write";
const issuerKeys = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const issuer = { url: PULUMI_ISSUER, privateKey: issuerKeys.privateKey };

let entra: FakeEntraTokenServer;
let authority: EntraAuthority;
beforeAll(async () => {
  entra = await FakeEntraTokenServer.start();
  authority = await startEntraAuthority(entra, [
    { clientId: CLIENT_ID, principalId: SP_OBJECT_ID, issuer: PULUMI_ISSUER, subject: SUBJECT, issuerPublicKeyPem: issuerKeys.publicKey.export({ type: "spki", format: "pem" }).toString() },
  ]);
  routeHostsToLoopback([{ host: authority.hostName, port: authority.port }]);
});
afterAll(async () => {
  uninstallLoopbackRouting();
  await authority?.close();
  await entra?.close();
});
beforeEach(() => void authority.tokenRequests.splice(0));

const deploymentsEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ARM_USE_OIDC: "true", ARM_CLIENT_ID: CLIENT_ID, ARM_TENANT_ID: entra.tenantId, ARM_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000001", ...extra,
});

test("ARM_OIDC_TOKEN: a token for ARM and one for the DPS data plane, as the federated application", async () => {
  const credential = azureCredential(deploymentsEnv({ ARM_OIDC_TOKEN: federatedToken(issuer, { sub: SUBJECT }) }));
  for (const resource of ["https://management.azure.com", "https://azure-devices-provisioning.net"]) {
    const got = await credential.getToken(`${resource}/.default`);
    const verified = verifyAccessToken(got!.token, { publicKeyPem: entra.publicKeyPem, issuer: entra.issuer, audiences: [resource] });
    expect(verified).toEqual({ oid: SP_OBJECT_ID, tid: entra.tenantId, aud: resource });
  }
  expect(authority.tokenRequests.map((r) => `${r.status} ${r.clientId} ${r.scope}`)).toEqual([
    `200 ${CLIENT_ID} https://management.azure.com/.default`,
    `200 ${CLIENT_ID} https://azure-devices-provisioning.net/.default`,
  ]);
});

test("ARM_OIDC_TOKEN_FILE_PATH: the file is read at each exchange, so a rotated token is used", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oidc-"));
  const file = path.join(dir, "token");
  fs.writeFileSync(file, federatedToken(issuer, { sub: "someone-else" }));
  const credential = azureCredential(deploymentsEnv({ ARM_OIDC_TOKEN_FILE_PATH: file }));
  const refused = await credential.getToken("https://management.azure.com/.default").catch((e: Error) => e);
  expect(String(refused)).toMatch(/AADSTS70021: No matching federated identity record found for presented assertion\. Assertion Issuer: 'https:\/\/api\.pulumi\.com\/oidc'\. Assertion Subject: 'someone-else'/);
  fs.writeFileSync(file, federatedToken(issuer, { sub: SUBJECT }));
  const got = await credential.getToken("https://management.azure.com/.default");
  expect(verifyAccessToken(got!.token, { publicKeyPem: entra.publicKeyPem, issuer: entra.issuer, audiences: ["https://management.azure.com"] })).toMatchObject({ oid: SP_OBJECT_ID });
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the stand-in refuses what Entra refuses: another assertion type, a subject in another case, an expired or foreign-signed token", async () => {
  const post = async (form: Record<string, string>) => {
    const body = new URLSearchParams({ grant_type: "client_credentials", client_id: CLIENT_ID, scope: "https://management.azure.com/.default", client_assertion_type: JWT_BEARER_ASSERTION_TYPE, ...form });
    const { request } = await import("https");
    return new Promise<{ status: number; body: { error: string; error_codes: number[] } }>((resolve, reject) => {
      const req = request({ host: authority.hostName, path: `/${entra.tenantId}/oauth2/v2.0/token`, method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" } }, (res) => {
        let raw = "";
        res.on("data", (c) => (raw += c));
        res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(raw) }));
      });
      req.on("error", reject);
      req.end(body.toString());
    });
  };
  const good = federatedToken(issuer, { sub: SUBJECT });
  expect((await post({ client_assertion: good })).status).toBe(200);
  expect((await post({ client_assertion: good, client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer" })).body.error_codes).toEqual([90011]);
  expect((await post({ client_assertion: federatedToken(issuer, { sub: SUBJECT.toUpperCase() }) })).body.error_codes).toEqual([70021]);
  expect((await post({ client_assertion: federatedToken(issuer, { sub: SUBJECT, expiresInSeconds: -3600 }) })).body.error_codes).toEqual([700024]);
  const stranger = { url: PULUMI_ISSUER, privateKey: crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey };
  expect((await post({ client_assertion: federatedToken(stranger, { sub: SUBJECT }) })).status).toBe(401);
  expect((await post({ client_assertion: "" })).body.error_codes).toEqual([7000218]);
});

test("what the environment says: OIDC only with a token; half a set-up is named, never the token", () => {
  expect(oidcSignIn({})).toBeUndefined();
  expect(oidcSignIn({ ARM_USE_OIDC: "true", ARM_CLIENT_ID: CLIENT_ID, ARM_TENANT_ID: "t" })).toBeUndefined(); // GitHub: azure/login signs in the CLI
  expect(() => oidcSignIn({ ARM_OIDC_TOKEN: "secret.jwt.value", ARM_TENANT_ID: "t" })).toThrow(/ARM_OIDC_TOKEN is set but ARM_CLIENT_ID is not/);
  try {
    oidcSignIn({ ARM_OIDC_TOKEN: "secret.jwt.value" });
  } catch (err) {
    expect(String(err)).not.toContain("secret.jwt.value");
  }
  expect(oidcSignIn({ AZURE_FEDERATED_TOKEN_FILE: "/f", AZURE_CLIENT_ID: "c", AZURE_TENANT_ID: "t" })).toBeUndefined(); // DefaultAzureCredential reads it
  expect(oidcSignIn({ ARM_USE_OIDC: "true", AZURE_FEDERATED_TOKEN_FILE: "/f", ARM_CLIENT_ID: "c", ARM_TENANT_ID: "t" })?.source).toBe("AZURE_FEDERATED_TOKEN_FILE");
  expect(describeSignIn(deploymentsEnv({ ARM_OIDC_TOKEN: "secret.jwt.value" }))).toBe(`client assertion from ARM_OIDC_TOKEN as application ${CLIENT_ID} in tenant ${entra.tenantId}`);
});
