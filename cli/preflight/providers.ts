/** Resource providers the stack needs, registered in the subscription (an unregistered one fails `up` midway). */
import type { PreflightClients } from "./clients";
import { azureError } from "./clients";
import type { Finding } from "./types";

export async function checkProviders(clients: PreflightClients, namespaces: readonly string[]): Promise<Finding[]> {
  const client = clients.resources();
  const findings: Finding[] = [];
  for (const namespace of namespaces) {
    const check = `resource provider ${namespace}`;
    try {
      const provider = await client.providers.get(namespace);
      const state = provider.registrationState ?? "unknown";
      findings.push(
        state === "Registered"
          ? { check, status: "ok", detail: "registered" }
          : {
              check,
              status: "problem",
              detail: `registration state is ${state}`,
              fix: `az provider register --namespace ${namespace} --wait (needs */register/action on the subscription, e.g. Contributor)`,
            },
      );
    } catch (err) {
      findings.push({ check, status: "problem", detail: azureError(err), fix: `check the subscription, or register it: az provider register --namespace ${namespace}` });
    }
  }
  return findings;
}
