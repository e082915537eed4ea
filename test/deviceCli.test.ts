/**
 * `npm run device`: how it is called (usage errors, credentials checked before anything is sent), and the plain
 * words for refusals the local endpoint does not produce, from errors built the way the device SDK builds them
 * (azure-iot-http-base's RestApiClient.translateError for HTTP errors, Node's own errors for the connection).
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import { join } from "path";
import { createDeviceCertificate, createIntermediateCa, createRootCa } from "../certs";
import { runDevice } from "../cli/device";
import { explainRefusal, formatRefusal, RefusalContext } from "../cli/device/explain";
import { registerX509Device } from "../cli/device/register";
import { routeHostsToLoopback } from "../azure-test-servers/loopbackRouting";

// The transport's own copy of azure-iot-http-base (azure-iot-provisioning-device-http pins it).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { RestApiClient } = require("azure-iot-provisioning-device-http/node_modules/azure-iot-http-base");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { errors } = require("azure-iot-common");

const root = createRootCa({ commonName: "CLI Root", keySize: 2048, validityDays: 30 });
const intermediate = createIntermediateCa({ issuer: root, commonName: "CLI Intermediate", keySize: 2048, validityDays: 30 });
const dev = createDeviceCertificate({ issuer: intermediate, registrationId: "cli-1" });
const other = createDeviceCertificate({ issuer: intermediate, registrationId: "cli-2" });

let dir: string;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dps-x509-device-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDevice(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env });
  const printed = out.join("") + err.join("");
  expect(printed).not.toMatch(/PRIVATE KEY/);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const context: RefusalContext = {
  registrationId: "cli-1",
  idScope: "0ne00000001",
  globalEndpoint: "global.azure-devices-provisioning.net",
  chain: { leafCommonName: "cli-1", leafIssuer: "CN=CLI Intermediate", sentCount: 2, leafSelfSigned: false, subjects: ["CN=cli-1", "CN=CLI Intermediate"] },
};
const httpError = (status: number, body: object) => RestApiClient.translateError(JSON.stringify(body), { statusCode: status });
const failed = (registrationState: object) => Object.assign(new errors.DeviceRegistrationFailedError("registration failed"), { result: { operationId: "5.x", status: "failed", registrationState } });

describe("usage: exit 2, nothing sent", () => {
  test.each([
    [[], /usage: npm run device -- register/],
    [["enroll"], /unknown command "enroll"/],
    [["register", "--cert", "a.pem"], /--id-scope \(or --stack\) is required/],
    [["register", "--id-scope", "0ne1", "--cert", "a.pem", "--issuer-from-env", "--registration-id", "x"], /give the device's certificate one way/],
    [["register", "--id-scope", "0ne1", "--issuer-from-env", "--registration-id", "x"], /needs DPS_X509_ISSUER_CERT_PEM and DPS_X509_ISSUER_KEY_PEM/],
    [["register", "--id-scope", "0ne1", "--issuer-cert", "i.pem", "--issuer-key", "k.pem"], /--registration-id is required to issue/],
    [["register", "--id-scope", "0ne 1", "--cert", "a", "--key", "b"], /is not an ID scope/],
    [["register", "--id-scope", "0ne1", "--global-endpoint", "bad host!", "--cert", "a", "--key", "b"], /is not a host name/],
    [["register", "--bogus"], /Unknown option '--bogus'/],
  ])("%j", async (argv, message) => {
    const { code, stderr } = await cli(argv as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message as RegExp);
  });
});

test("credentials are checked before anything is sent: missing file, wrong key, a CA first", async () => {
  const cert = file("cli-1.pem", dev.fullChainPem);
  const key = file("cli-1.key.pem", dev.privateKeyPem);
  const missing = await cli(["register", "--id-scope", "0ne1", "--cert", join(dir, "nope.pem"), "--key", key]);
  expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("--cert " + join(dir, "nope.pem") + ": no such file") });
  const wrongKey = await cli(["register", "--id-scope", "0ne1", "--cert", cert, "--key", file("cli-2.key.pem", other.privateKeyPem)]);
  expect(wrongKey.code).toBe(1);
  expect(wrongKey.stderr).toContain(`does not belong to the device certificate (CN=cli-1)`);
  const caFirst = await cli(["register", "--id-scope", "0ne1", "--cert", file("ca-first.pem", intermediate.certificatePem + dev.certificatePem), "--key", key]);
  expect(caFirst.stderr).toContain("the first certificate is a CA certificate (CN=CLI Intermediate)");
  const notAKey = await cli(["register", "--id-scope", "0ne1", "--cert", cert, "--key", file("junk.key.pem", "not a key")]);
  expect(notAKey.stderr).toContain("is not a PEM private key");
});

describe("refusals in plain words", () => {
  test("401002 with the full chain: the chain does not reach a verified CA", () => {
    const r = explainRefusal(httpError(401, { errorCode: 401002, trackingId: "T-1", message: "Unauthorized", timestampUtc: "2026-01-01T00:00:00Z" }), context);
    expect(r.kind).toBe("chain-not-accepted");
    expect(r.reason).toContain("The chain the device sent (CN=cli-1 ← CN=CLI Intermediate) does not lead to a CA certificate that is uploaded to this DPS and verified");
    expect(r.detail).toBe("Azure said: HTTP 401, error 401002: Unauthorized (tracking id T-1)");
  });

  test("401002 with the leaf alone: send the full chain", () => {
    const r = explainRefusal(httpError(401, { errorCode: 401002, message: "Invalid certificate" }), { ...context, chain: { ...context.chain, sentCount: 1, subjects: ["CN=cli-1"] } });
    expect(r.kind).toBe("leaf-only-chain");
    expect(r.fix).toContain("--cert <id>.fullchain.pem");
  });

  test("a failed registration: 400209 is the hub refusing DPS; an unknown code keeps Azure's message", () => {
    const hub = explainRefusal(failed({ errorCode: 400209, errorMessage: "Unauthorized to the IoT hub" }), context);
    expect(hub).toMatchObject({ kind: "hub-refused", detail: "Azure said: status failed, error 400209: Unauthorized to the IoT hub" });
    expect(hub.fix).toContain("Re-link the hub");
    expect(explainRefusal(failed({ errorCode: 500000, errorMessage: "Something else" }), context)).toMatchObject({ kind: "registration-failed", detail: expect.stringContaining("Something else") });
  });

  test("403, 429 and 5xx", () => {
    expect(explainRefusal(httpError(403, { errorCode: 403006, message: "IP not allowed" }), context)).toMatchObject({ kind: "forbidden", reason: expect.stringContaining("IP filter") });
    expect(explainRefusal(httpError(429, { errorCode: 429001, message: "Throttled" }), context)).toMatchObject({ kind: "throttled", detail: "Azure said: HTTP 429, error 429001: Throttled" });
    expect(explainRefusal(httpError(503, { errorCode: 503001, trackingId: "T-9", message: "busy" }), context)).toMatchObject({ kind: "service-error", detail: expect.stringContaining("T-9") });
  });

  test("connection errors: host not found, refused, the SDK's timeout", () => {
    const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(explainRefusal(nodeError("ENOTFOUND", "getaddrinfo ENOTFOUND global.azure-devices-provisioning.net"), context)).toMatchObject({ kind: "host-not-found" });
    expect(explainRefusal(nodeError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.1:443"), context)).toMatchObject({ kind: "network", reason: expect.stringContaining("(ECONNREFUSED)") });
    expect(explainRefusal(new errors.TimeoutError("timed out"), context)).toMatchObject({ kind: "timeout" });
    expect(formatRefusal("cli-1", explainRefusal(nodeError("ENOTFOUND", "getaddrinfo ENOTFOUND x"), context))).toBe(
      'Device "cli-1" could not reach DPS: The host global.azure-devices-provisioning.net could not be resolved.\n' +
        "  fix: Check --global-endpoint (default global.azure-devices-provisioning.net) and DNS.\n" +
        "  (connection error: getaddrinfo ENOTFOUND x)\n",
    );
  });

  test("an endpoint whose TLS certificate the device cannot trust (a real handshake)", async () => {
    // A server with a certificate from a CA the device does not trust, under the DPS host name.
    const serverCa = createRootCa({ commonName: "Untrusted server CA", keySize: 2048, validityDays: 2 });
    const serverCert = createDeviceCertificate({ issuer: serverCa, registrationId: "global.azure-devices-provisioning.net" });
    const server = https.createServer({ cert: serverCert.certificatePem, key: serverCert.privateKeyPem }, (_req, res) => res.end("{}"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const unroute = routeHostsToLoopback([{ host: "untrusted.azure-devices-provisioning.net", port: (server.address() as AddressInfo).port }]);
    try {
      const error = await registerX509Device({ provisioningHost: "untrusted.azure-devices-provisioning.net", idScope: "0ne1", registrationId: "cli-1", chainPem: dev.fullChainPem, privateKeyPem: dev.privateKeyPem }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const r = explainRefusal(error, { ...context, globalEndpoint: "untrusted.azure-devices-provisioning.net" });
      expect(r.kind).toBe("endpoint-certificate");
      expect(r.reason).toMatch(/could not verify the TLS certificate of untrusted\.azure-devices-provisioning\.net \([A-Z_]+\)/);
    } finally {
      unroute();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("--attempts: a refusal right after `up` may pass a moment later", () => {
  const refusedOnce = () => httpError(401, { errorCode: 401002, trackingId: "t", message: "Unauthorized", timestampUtc: "2026-01-01T00:00:00Z" });
  const assigned = { registrationId: "cli-1", assignedHub: "hub-a.azure-devices.net", deviceId: "cli-1", status: "assigned", substatus: "initialAssignment" };

  async function withAttempts(argv: string[], outcomes: Array<Error | object>) {
    const cert = file("retry-1.pem", dev.fullChainPem);
    const key = file("retry-1.key.pem", dev.privateKeyPem);
    const calls: string[] = [];
    const waits: number[] = [];
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDevice(["register", "--id-scope", "0ne1", "--cert", cert, "--key", key, ...argv], {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: {},
      registerDevice: async (request) => {
        calls.push(request.registrationId);
        const next = outcomes[calls.length - 1];
        if (next instanceof Error) throw next;
        return next as never;
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    return { code, calls, waits, stdout: out.join(""), stderr: err.join("") };
  }

  test("tries again after the delay, and succeeds", async () => {
    const result = await withAttempts(["--attempts", "3", "--retry-delay", "2"], [refusedOnce(), assigned]);
    expect(result.code).toBe(0);
    expect(result.calls).toEqual(["cli-1", "cli-1"]);
    expect(result.waits).toEqual([2000]);
    expect(result.stderr).toMatch(/^attempt 1 of 3: .*Trying again in 2 s\.\n$/);
    expect(result.stdout).toContain("assigned hub  hub-a.azure-devices.net");
  });

  test("stops after the last attempt with the plain-words refusal", async () => {
    const result = await withAttempts(["--attempts", "2", "--retry-delay", "0"], [refusedOnce(), refusedOnce(), assigned]);
    expect(result.code).toBe(1);
    expect(result.calls).toHaveLength(2);
    expect(result.stderr).toContain("fix:");
  });

  test("one attempt by default; a bad count is a usage error", async () => {
    expect((await withAttempts([], [refusedOnce(), assigned])).calls).toHaveLength(1);
    const bad = await withAttempts(["--attempts", "0"], []);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--attempts must be a whole number from 1 to 10");
  });
});
