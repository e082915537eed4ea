/**
 * Test infrastructure: the certificate authority and policy routes of the local Device Registry server
 * (armDeviceRegistry.ts): create (the Root, a Microsoft ICA, an External ICA with a real P-384 key and CSR),
 * activate (adrActivation.ts judges the chain), revokeAndRotate, and the policies under an ICA.
 */
import { createPublicKey, generateKeyPairSync, randomUUID, X509Certificate } from "crypto";
import type { ExtraRouteAnswer } from "./armSubscriptionRoutes";
import type { IssuerKey } from "./adrIssuers";
import { ActivationRefused, checkActivationChain } from "./adrActivation";
import { certificatePem, csrPemSync, issueCertificate, nameDer, sha1Thumbprint } from "./ecCertificates";
import { CHILD_NAME, DAY_MS, Refusal, checkName, notFound, requireLocation, setValidity, startOperation, view, type AdrServerState, type Ca, type Json, type Namespace, type Resource } from "./adrServerModel";

export function putCa(state: AdrServerState, sub: string, ns: Namespace, caName: string, body: Json, key: IssuerKey): Omit<ExtraRouteAnswer, "route"> {
  checkName(caName, CHILD_NAME, 3, 63, "certificate authority");
  const location = requireLocation(body);
  const props = (body.properties ?? {}) as Json;
  const type = props.certificateAuthorityType;
  const issuer = props.issuer as Json | undefined;
  if (type !== "Root" && type !== "ICA") throw new Refusal(400, "InvalidCertificateAuthorityType", "properties.certificateAuthorityType must be 'Root' or 'ICA'.");
  if (props.keyType !== "ECC") throw new Refusal(400, "InvalidKeyType", "properties.keyType must be 'ECC'.");
  const existing = ns.cas.get(caName.toLowerCase());
  if (existing) {
    const was = existing.properties;
    const wasIssuer = (was.issuer ?? {}) as Json;
    if (was.certificateAuthorityType !== type || wasIssuer.issuerType !== issuer?.issuerType || String(wasIssuer.certificateAuthorityResourceId ?? "").toLowerCase() !== String(issuer?.certificateAuthorityResourceId ?? "").toLowerCase()) {
      throw new Refusal(400, "PropertyChangeNotAllowed", "certificateAuthorityType, keyType and issuer cannot be changed; delete and create the certificate authority.");
    }
    existing.tags = body.tags as Json;
    return { status: 200, body: view(state, existing) };
  }
  const others = [...ns.cas.values()];
  const id = `${ns.id}/certificateAuthorities/${caName}`;
  const now = state.now();
  const keys = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const ca: Ca = { id, name: caName, type: "Microsoft.DeviceRegistry/namespaces/certificateAuthorities", location, tags: body.tags as Json, properties: { provisioningState: "Accepted", uuid: randomUUID(), certificateAuthorityType: type, keyType: "ECC", subject: `CN=${caName}` }, key: keys.privateKey, policies: new Map() };
  const entry = state.issuers.putKey(key, keys.privateKey);
  const selfSign = (years: number) => {
    ca.certificatePem = certificatePem(issueCertificate({ subjectName: nameDer(caName), subjectPublicKey: keys.publicKey, issuerKey: keys.privateKey, notBefore: new Date(now), notAfter: new Date(now + years * 365 * DAY_MS), profile: { ca: true, pathLength: 1 } }));
  };
  if (type === "Root") {
    if (others.some((c) => c.properties.certificateAuthorityType === "Root")) throw new Refusal(400, "QuotaExceeded", `Namespace '${ns.name}' already has a root certificate authority (at most one).`);
    selfSign(10);
    entry.chainPem = [ca.certificatePem!];
  } else {
    if (others.filter((c) => c.properties.certificateAuthorityType === "ICA").length >= 3) throw new Refusal(400, "QuotaExceeded", `Namespace '${ns.name}' already has three intermediate certificate authorities (at most three).`);
    if (issuer?.issuerType === "Microsoft") {
      const rootId = String(issuer.certificateAuthorityResourceId ?? "");
      const root = others.find((c) => c.id.toLowerCase() === rootId.toLowerCase() && c.properties.certificateAuthorityType === "Root");
      if (!root) throw new Refusal(400, "InvalidIssuer", `issuer.certificateAuthorityResourceId must be the root certificate authority of namespace '${ns.name}'.`);
      const rootX = new X509Certificate(root.certificatePem!);
      ca.certificatePem = certificatePem(issueCertificate({ subjectName: nameDer(caName), subjectPublicKey: keys.publicKey, issuerName: nameDer(root.name), issuerKey: root.key, issuerPublicKey: rootX.publicKey, notBefore: new Date(now), notAfter: new Date(now + 5 * 365 * DAY_MS), profile: { ca: true, pathLength: 0 } }));
      entry.chainPem = [ca.certificatePem, root.certificatePem!];
      ca.properties.issuer = { issuerType: "Microsoft", certificateAuthorityResourceId: root.id };
    } else if (issuer?.issuerType === "External") {
      ca.properties.issuer = { issuerType: "External", status: "PendingActivation" };
    } else {
      throw new Refusal(400, "InvalidIssuer", "An ICA needs properties.issuer with issuerType 'Microsoft' (and the root's resource id) or 'External'.");
    }
  }
  if (ca.certificatePem) setValidity(ca, new X509Certificate(ca.certificatePem));
  ns.cas.set(caName.toLowerCase(), ca);
  // Azure's 201 body already carries the CSR (example CreateOrReplace_CertificateAuthority_ICAExternalIssuer).
  if (issuer?.issuerType === "External") (ca.properties.issuer as Json).certificateSigningRequest = csrPemSync(keys.privateKey, caName);
  const headers = startOperation(state, sub, "adr.ca.put", "azure-asyncoperation", () => (ca.properties.provisioningState = "Succeeded"), () => (ca.properties.provisioningState = "Failed"));
  return { status: 201, body: view(state, ca), headers };
}

export function activate(state: AdrServerState, sub: string, ca: Ca, body: Json, key: IssuerKey): Omit<ExtraRouteAnswer, "route"> {
  const issuer = (ca.properties.issuer ?? {}) as Json;
  if (ca.properties.certificateAuthorityType !== "ICA" || issuer.issuerType !== "External") {
    throw new Refusal(400, "InvalidCertificateAuthorityType", `Only an ICA with issuer type External can be activated; '${ca.name}' is not one.`);
  }
  if (body.certificateChain === undefined) throw new Refusal(400, "MissingRequiredProperty", "certificateChain is required.");
  let checked: ReturnType<typeof checkActivationChain>;
  try {
    checked = checkActivationChain({ chain: body.certificateChain, caKey: createPublicKey(ca.key), csrSubject: `CN=${ca.name}`, now: state.now() });
  } catch (e) {
    if (e instanceof ActivationRefused) throw new Refusal(400, e.code, e.message);
    throw e;
  }
  const headers = startOperation(state, sub, "adr.ca.activate", "location", () => {
    ca.certificatePem = checked.pems[0];
    issuer.status = "Active";
    issuer.thumbprint = sha1Thumbprint(checked.leaf.raw);
    setValidity(ca, checked.leaf);
    state.issuers.activate(key, checked.pems);
  });
  return { status: 202, body: undefined, headers };
}

export function revokeAndRotate(state: AdrServerState, sub: string, ns: Namespace, ca: Ca, key: IssuerKey): Omit<ExtraRouteAnswer, "route"> {
  const issuer = (ca.properties.issuer ?? {}) as Json;
  const external = issuer.issuerType === "External";
  if (ca.properties.certificateAuthorityType !== "ICA" || (external && !state.externalRevokeAndRotate)) {
    throw new Refusal(400, "InvalidCertificateAuthorityType", `Revocation is not supported for '${ca.name}' (only an ICA Microsoft issued).`);
  }
  const headers = startOperation(state, sub, "adr.ca.revokeAndRotate", "location", () => {
    if (ca.certificatePem) state.revoked.push(sha1Thumbprint(new X509Certificate(ca.certificatePem).raw));
    const keys = generateKeyPairSync("ec", { namedCurve: "P-384" });
    ca.key = keys.privateKey;
    const entry = state.issuers.putKey(key, keys.privateKey);
    for (const [name, p] of ca.policies) entry.policies.set(name, Number((p.properties.certificate as Json).validityPeriodInDays));
    if (external) {
      ca.certificatePem = undefined;
      ca.properties.issuer = { issuerType: "External", status: "PendingActivation" };
      (ca.properties.issuer as Json).certificateSigningRequest = csrPemSync(keys.privateKey, ca.name);
      return;
    }
    const root = [...ns.cas.values()].find((c) => c.id.toLowerCase() === String(issuer.certificateAuthorityResourceId).toLowerCase())!;
    const now = state.now();
    ca.certificatePem = certificatePem(issueCertificate({ subjectName: nameDer(ca.name), subjectPublicKey: keys.publicKey, issuerName: nameDer(root.name), issuerKey: root.key, issuerPublicKey: new X509Certificate(root.certificatePem!).publicKey, notBefore: new Date(now), notAfter: new Date(now + 5 * 365 * DAY_MS), profile: { ca: true, pathLength: 0 } }));
    entry.chainPem = [ca.certificatePem, root.certificatePem!];
    setValidity(ca, new X509Certificate(ca.certificatePem));
  });
  return { status: 202, body: undefined, headers };
}

export function putPolicy(state: AdrServerState, sub: string, route: string, ca: Ca, name: string, body: Json, key: IssuerKey): Omit<ExtraRouteAnswer, "route"> {
  const existing = ca.policies.get(name.toLowerCase());
  if (route === "adr.policy.patch" && !existing) notFound("Microsoft.DeviceRegistry/namespaces/certificateAuthorities/certificatePolicies", name);
  if (route === "adr.policy.put") checkName(name, CHILD_NAME, 3, 63, "certificate policy");
  if (ca.properties.certificateAuthorityType !== "ICA") throw new Refusal(400, "InvalidParentCertificateAuthority", "Certificate policies hang under an intermediate certificate authority, not a root.");
  if (!existing && ca.policies.size >= 1) throw new Refusal(400, "QuotaExceeded", `Certificate authority '${ca.name}' already has a certificate policy (one per ICA).`);
  const days = ((body.properties as Json | undefined)?.certificate as Json | undefined)?.validityPeriodInDays;
  if (days === undefined && route === "adr.policy.put") throw new Refusal(400, "MissingRequiredProperty", "properties.certificate.validityPeriodInDays is required.");
  if (days !== undefined && (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 90)) {
    throw new Refusal(400, "InvalidValidityPeriod", `validityPeriodInDays must be an integer from 1 to 90; got ${JSON.stringify(days)}.`);
  }
  const location = route === "adr.policy.put" ? requireLocation(body) : existing!.location;
  const policy: Resource = existing ?? { id: `${ca.id}/certificatePolicies/${name}`, name, type: "Microsoft.DeviceRegistry/namespaces/certificateAuthorities/certificatePolicies", location, properties: { uuid: randomUUID() } };
  if (body.tags !== undefined || route === "adr.policy.put") policy.tags = body.tags as Json;
  if (days !== undefined) policy.properties.certificate = { validityPeriodInDays: days };
  ca.policies.set(name.toLowerCase(), policy);
  state.issuers.setPolicy(key, name, Number((policy.properties.certificate as Json).validityPeriodInDays));
  if (existing && route === "adr.policy.put") return { status: 200, body: view(state, { ...policy, properties: { ...policy.properties, provisioningState: "Succeeded" } }) };
  policy.properties.provisioningState = existing ? policy.properties.provisioningState : "Accepted";
  const header = existing ? "location" : "azure-asyncoperation";
  const headers = startOperation(state, sub, route, header, () => (policy.properties.provisioningState = "Succeeded"));
  return { status: existing ? 202 : 201, body: existing ? undefined : view(state, policy), headers };
}

