/**
 * Reads the live facts the checks need, each read on its own so that one failure (no ARM access, a wrong
 * connection string) is reported as such while the rest is still checked:
 *   - ARM (`@azure/arm-deviceprovisioningservices`, DefaultAzureCredential): the DPS's certificates
 *     (`dpsCertificate.list`) and the DPS resource (`iotDpsResource.get`, its `properties.iotHubs[].name`);
 *   - the DPS service API (`azure-iot-provisioning-service`): each group the stack declares.
 * Nothing is written. Secrets (the connection string) never reach a message.
 */
import type { TokenCredential } from "@azure/identity";
import { createDpsClient } from "../../components/azure/armClient";
import { createDpsServiceClient, redact } from "../../components/azure/dpsServiceClient";
import { isSignInError, wholeErrorMessage } from "../cliArgs";
import type { LiveCertificate, LiveFacts, Read } from "./checks";

export interface DoctorTarget {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly dpsName: string;
  /** ARM endpoint (sovereign clouds, tests); default management.azure.com. */
  readonly armEndpoint?: string;
  /** `<dps>.azure-devices-provisioning.net`. */
  readonly serviceHostName: string;
  /** A DPS connection string; absent: `credential` or DefaultAzureCredential. */
  readonly connectionString?: string;
  readonly credential?: TokenCredential;
  /** Told when a read failed because no Azure sign-in was found (not because Azure refused). */
  readonly onSignInError?: () => void;
}

/** ARM's RestError (or any error) as one line: status, code, and the whole message. */
function armError(err: unknown): string {
  const e = err as { statusCode?: number; code?: string; message?: string };
  const head = [e.statusCode !== undefined ? `HTTP ${e.statusCode}` : undefined, e.code].filter(Boolean).join(" ");
  // Every line of Azure's message, on the row's one line.
  const message = wholeErrorMessage(e.message ?? err).split("\n").join(" ");
  return head ? `${head}: ${message}` : message;
}

async function read<T>(what: () => Promise<T>, describe: (err: unknown) => string, onSignInError?: () => void): Promise<Read<T>> {
  try {
    return { ok: true, value: await what() };
  } catch (err) {
    if (isSignInError(err)) onSignInError?.();
    return { ok: false, error: describe(err) };
  }
}

export async function gatherLiveFacts(target: DoctorTarget, groupIds: readonly string[]): Promise<LiveFacts> {
  const arm = createDpsClient({ subscriptionId: target.subscriptionId, endpoint: target.armEndpoint });
  const secrets = [target.connectionString];
  const certificates = read<LiveCertificate[]>(async () => {
    const list = await arm.dpsCertificate.list(target.resourceGroupName, target.dpsName);
    return (list.value ?? []).map((c) => ({
      name: String(c.name),
      isVerified: c.properties?.isVerified === true,
      thumbprint: c.properties?.thumbprint,
      expiry: c.properties?.expiry,
      subject: c.properties?.subject,
    }));
  }, armError, target.onSignInError);
  const linkedHubs = read<string[]>(async () => {
    const dps = await arm.iotDpsResource.get(target.dpsName, target.resourceGroupName);
    return (dps.properties.iotHubs ?? []).map((hub) => String(hub.name ?? hub.connectionString.match(/HostName=([^;]+)/i)?.[1] ?? ""));
  }, armError, target.onSignInError);
  const groups = (async () => {
    let client: ReturnType<typeof createDpsServiceClient>;
    try {
      client = createDpsServiceClient({ serviceHostName: target.serviceHostName, connectionString: target.connectionString, credential: target.credential });
    } catch (err) {
      const error = redact(String((err as Error).message ?? err), secrets);
      return Object.fromEntries(groupIds.map((id) => [id, { ok: false, error } as const]));
    }
    const entries = await Promise.all(
      groupIds.map(async (id) => [id, await read(() => client.getEnrollmentGroup(id), (err) => redact(String((err as Error).message ?? err), secrets))] as const),
    );
    return Object.fromEntries(entries);
  })();
  return { certificates: await certificates, linkedHubs: await linkedHubs, groups: await groups };
}
