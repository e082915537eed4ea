/** A stack at DPS's limits (25 CAs, 50 hubs, 100 X.509 enrollment groups), or a share of it, as a stack file. */
import { stringify } from "yaml";

export function largeStackFile(options: { groups: number; hubs: number; cas: number }): string {
  const hubs = Array.from({ length: options.hubs }, (_, i) => ({ name: `bench-hub-${String(i).padStart(2, "0")}`, location: i % 2 ? "eastus" : "westeurope" }));
  const intermediates = Array.from({ length: options.cas - 1 }, (_, i) => ({ name: `bench-int-${i}`, commonName: `Bench Intermediate ${i}`, keySize: 2048 }));
  const groups = Array.from({ length: options.groups }, (_, i) => ({
    enrollmentId: `bench-group-${i}`,
    caName: intermediates.length ? intermediates[i % intermediates.length].name : "bench-root",
    iotHubs: [hubs[i % hubs.length].name, hubs[(i + 1) % hubs.length].name].filter((v, j, all) => all.indexOf(v) === j),
    initialTwin: { tags: { group: i }, properties: { desired: { telemetryInterval: 60 } } },
  }));
  return stringify({
    config: {
      "azure-native:location": "westeurope",
      "dps-x509:resourceGroupName": "bench-rg",
      "dps-x509:dps": { name: "bench-dps", allocationPolicy: "hashed" },
      "dps-x509:hubs": hubs,
      "dps-x509:ca": { root: { name: "bench-root", commonName: "Bench Root" }, intermediates },
      "dps-x509:enrollmentGroups": groups,
    },
  });
}
