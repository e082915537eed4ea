/**
 * When an onboarding step counts as done (cli/tenant/steps.ts `stepDone`), judged from the two stacks' outputs as
 * `npm run tenant -- onboard` reads them: every requested CA must be signed with a certificate and held by the
 * tenant, and a tenant that sent no CSR is done with the first step only when it waits for nothing. The whole
 * command is test/tenantOnboard.test.ts. Written from StrykerJS's survivors (docs/operations.md#mutation-testing).
 */
import { stepDone } from "../cli/tenant/steps";

const tenant = (caCsrs: unknown, extra: Record<string, unknown> = {}) => ({ tenant: "customer-a", caCsrs, waitingFor: [], ...extra });
const platform = (issued: Record<string, unknown>) => ({ tenantCertificates: { "customer-a": issued } });
const done = (step: "tenant-csr" | "platform-sign" | "tenant-finish", tenantOutputs: Record<string, unknown>, platformOutputs: Record<string, unknown> = {}) =>
  stepDone(step, "customer-a", tenantOutputs, platformOutputs);

test("the CSR step: CSRs sent, or none needed and nothing waited for", () => {
  expect(done("tenant-csr", tenant({ "customer-a-int": "CSR" }, { waitingFor: ["the platform"] }))).toBe(true);
  expect(done("tenant-csr", tenant({}))).toBe(true);
  expect(done("tenant-csr", tenant({}, { waitingFor: ["the platform"] }))).toBe(false);
  expect(done("tenant-csr", { ...tenant({}), tenant: "customer-b" })).toBe(false);
});

test("the signing step: every requested CA has a certificate, a non-empty string", () => {
  const two = tenant({ "customer-a-int": "CSR", "customer-a-int2": "CSR" });
  expect(done("platform-sign", two, platform({ "customer-a-int": "PEM", "customer-a-int2": "PEM" }))).toBe(true);
  expect(done("platform-sign", two, platform({ "customer-a-int": "PEM" }))).toBe(false);
  expect(done("platform-sign", two, platform({ "customer-a-int": "PEM", "customer-a-int2": "" }))).toBe(false);
  expect(done("platform-sign", two, platform({ "customer-a-int": "PEM", "customer-a-int2": 1 }))).toBe(false);
  // Outputs that are not a map of CSRs request nothing.
  expect(done("platform-sign", tenant("not a map"), platform({}))).toBe(true);
});

test("the last step: signed, every CA held by the tenant, and nothing waited for", () => {
  const two = (held: Record<string, unknown>, extra: Record<string, unknown> = {}) => tenant({ "customer-a-int": "CSR", "customer-a-int2": "CSR" }, { caCertificates: held, ...extra });
  const signed = platform({ "customer-a-int": "PEM", "customer-a-int2": "PEM" });
  expect(done("tenant-finish", two({ "customer-a-int": {}, "customer-a-int2": {} }), signed)).toBe(true);
  expect(done("tenant-finish", two({ "customer-a-int": {} }), signed)).toBe(false);
  expect(done("tenant-finish", two({}), signed)).toBe(false);
  expect(done("tenant-finish", two({ "customer-a-int": {}, "customer-a-int2": {} }), platform({ "customer-a-int": "PEM" }))).toBe(false);
  expect(done("tenant-finish", two({ "customer-a-int": {}, "customer-a-int2": {} }, { waitingFor: ["x"] }), signed)).toBe(false);
});
