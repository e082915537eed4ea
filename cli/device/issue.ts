/**
 * `npm run device -- register --issue`: what follows a registration that asked DPS for a certificate (an enrollment
 * with Azure Device Registry names): the issued chain checked by OpenSSL up to the stack's root, written out when
 * asked (`--out`), and the device connected to its assigned hub with it. Key material is never printed.
 */
import { X509Certificate } from "crypto";
import { writeFileSync } from "fs";
import { join } from "path";
import { checkIssuedChain, type DeviceKeyAndCsr } from "./issuedCertificate";
import { connectToHub, type HubConnection } from "./hubConnect";

export interface IssuanceOutcome {
  readonly verified: boolean;
  readonly reason?: string;
  readonly certificate?: { subject: string; issuer: string; notAfter: string };
  readonly files?: { chain: string; key: string };
  readonly hub?: HubConnection & { hostName?: string };
}

/** The self-signed certificates among PEMs (a stack's `caCertificates` outputs hold its roots and intermediates). */
export function rootsAmong(pems: readonly string[]): string[] {
  return pems.filter((pem) => {
    try {
      const x = new X509Certificate(pem);
      return x.checkIssued(x) && x.verify(x.publicKey);
    } catch {
      return false;
    }
  });
}

export async function completeIssuance(o: {
  registrationId: string;
  state: { assignedHub?: string; deviceId?: string; issuedCertificateChain?: string[] };
  device: DeviceKeyAndCsr;
  rootPems: readonly string[];
  outDir?: string;
  connect: boolean;
  connectHub?: typeof connectToHub;
}): Promise<IssuanceOutcome> {
  const check = checkIssuedChain(o.state.issuedCertificateChain, { registrationId: o.registrationId, devicePrivateKey: o.device.privateKey, rootPems: o.rootPems });
  if (!check.ok) return { verified: false, reason: check.reason, certificate: check.leaf };
  let files: IssuanceOutcome["files"];
  if (o.outDir) {
    files = { chain: join(o.outDir, `${o.registrationId}.issued.fullchain.pem`), key: join(o.outDir, `${o.registrationId}.issued.key.pem`) };
    writeFileSync(files.chain, check.chainPem);
    writeFileSync(files.key, o.device.privateKeyPem, { mode: 0o600 });
  }
  if (!o.connect) return { verified: true, certificate: check.leaf, files };
  const hostName = o.state.assignedHub;
  const hub = hostName
    ? await (o.connectHub ?? connectToHub)({ hubHostName: hostName, deviceId: o.state.deviceId ?? o.registrationId, chainPem: check.chainPem, privateKeyPem: o.device.privateKeyPem })
    : { connected: false, reason: "DPS assigned no hub" };
  return { verified: true, certificate: check.leaf, files, hub: { ...hub, hostName } };
}

/** The lines `register --issue` prints after the registration's own. */
export function formatIssuance(outcome: IssuanceOutcome): string {
  if (!outcome.verified) return `  issued cert   NOT accepted: ${outcome.reason}\n`;
  const rows = [`  issued cert   ${outcome.certificate?.subject.replace(/\n/g, ", ")} by ${outcome.certificate?.issuer.replace(/\n/g, ", ")}, valid to ${outcome.certificate?.notAfter}; verified by OpenSSL up to the stack's root`];
  if (outcome.files) rows.push(`  written       ${outcome.files.chain} (and its key beside it, mode 0600)`);
  if (outcome.hub) rows.push(`  hub           ${outcome.hub.connected ? `connected to ${outcome.hub.hostName} with the issued certificate` : `NOT connected: ${outcome.hub.reason}`}`);
  return `${rows.join("\n")}\n`;
}
